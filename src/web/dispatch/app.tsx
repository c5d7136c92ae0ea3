import { render } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { FaultSummary, MeResponse, ProductLineSummary, TicketView } from '../../api/responses.js';
import { ApiError, type AssignBody, type StatusChangeBody } from '../shared/api.js';
import { errorMessage } from '../shared/errors.js';
import { clockTime } from '../shared/format.js';
import type { Translator } from '../shared/i18n.js';
import { useAnnouncer, useLanguage, useSession } from '../shared/session.js';
import { Alert, SignIn, StatusRegion, TopBar, useFocusAfterRender, useRefState, type AlertState } from '../shared/ui.js';
import { TicketDetails } from './details.js';
import { TicketList } from './list.js';
import { filtersFromSearch, filtersToSearch, LIST_LIMIT, listQuery, sortByUrgency, type Filters } from './logic.js';
import { BOARD } from './text.js';

/**
 * The dispatch board: open tickets, most urgent deadline first, with live countdowns
 * by the server's clock; a ticket's details and the actions the server allows the
 * calling key; refreshed every 15 s. This module holds the state and the requests;
 * the panes are in list.tsx and details.tsx, the rules in logic.ts.
 */

export type BoardT = Translator<typeof BOARD.en>;

const REFRESH_MS = 15_000;
const TECH_DEBOUNCE_MS = 600;

function App() {
  const { t, toggle } = useLanguage(BOARD, (tt) => tt('pageTitle'));
  const tRef = useRef(t);
  tRef.current = t;
  const session = useSession('dispatch.apiKey');
  const { api, keyRef } = session;
  const [status, announce] = useAnnouncer();
  const focus = useFocusAfterRender();
  const keyInput = useRef<HTMLInputElement>(null);

  const [alert, setAlert, alertRef] = useRefState<AlertState | null>(null);
  const [me, setMe, meRef] = useRefState<MeResponse | null>(null);
  const [tickets, setTickets, ticketsRef] = useRefState<TicketView[]>([]);
  const [truncated, setTruncated] = useState(false);
  const [selected, setSelected, selectedRef] = useRefState<TicketView | null>(null);
  const [selectedId, setSelectedId, selectedIdRef] = useRefState<string | null>(null);
  const [faults, setFaults, faultsRef] = useRefState<ReadonlyMap<string, FaultSummary>>(new Map());
  const [lines, setLines] = useState<ProductLineSummary[]>([]);
  const [skewMs, setSkewMs] = useState(0);
  const [busy, setBusy, busyRef] = useRefState(false);
  const [loading, setLoading] = useState(false);
  const [lastUpdate, setLastUpdate] = useState<number | null>(null);
  const [confirmCancelFor, setConfirmCancelFor] = useState<string | null>(null);
  const [filters, setFilters, filtersRef] = useRefState<Filters>(filtersFromSearch(location.search));
  const [assignTo, setAssignTo] = useState('');
  const [assignInvalid, setAssignInvalid] = useState(false);
  const [note, setNote] = useState('');
  const listSeq = useRef(0);
  const detailSeq = useRef(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const techTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const faultsLoading = useRef<string | null>(null);

  const showAlert = (message: string, opts: Partial<AlertState> = {}) => setAlert({ message, source: 'action', ...opts });
  const clearAlert = (source?: string) => {
    if (!source || alertRef.current?.source === source) setAlert(null);
  };

  function reportError(err: unknown, { source = 'action', signingIn = false } = {}) {
    const tt = tRef.current;
    const e = ApiError.from(err);
    const vars = { error: e.message };
    if (signingIn && (e.kind === 'unauthorized' || e.kind === 'forbidden')) return showAlert(tt('errSignIn', vars), { source: 'signin' });
    if (e.kind === 'unauthorized') {
      signOut(true);
      return showAlert(tt('err401', vars), { source: 'signin' });
    }
    if (e.kind === 'invalid_request') return showAlert(tt('err400', vars), { issues: e.issues, source });
    if (e.kind === 'version_conflict') return showAlert(tt('err409', vars), { reload: selectedRef.current !== null, source });
    if (e.kind === 'illegal_transition') {
      // The page's view of the ticket is out of date: say what the server said and show it as it is now.
      showAlert(tt('errIllegal', { error: e.message.replace(/[.\s]+$/, '') }), { source });
      return void reloadSelected();
    }
    const message = errorMessage(tt, e, {
      network: tt('errNetworkBoard'),
      store_unavailable: tt('err503Board', vars),
      idempotency_key_reused: tt('err422', vars),
    });
    showAlert(message, { source });
  }

  async function loadList(source = 'refresh'): Promise<TicketView[] | null> {
    if (!keyRef.current) return null;
    const seq = ++listSeq.current;
    setLoading(true);
    try {
      const data = await api.tickets(listQuery(filtersRef.current, meRef.current));
      if (seq !== listSeq.current || !keyRef.current) return null;
      // The server's clock, taken just before it answered: countdowns follow it.
      const server = Date.parse(data.serverTime);
      if (!Number.isNaN(server)) setSkewMs(server - Date.now());
      const sorted = sortByUrgency(data.tickets);
      setTickets(sorted);
      setTruncated(data.tickets.length >= LIST_LIMIT);
      setLastUpdate(Date.now());
      clearAlert('refresh');
      return sorted;
    } catch (err) {
      if (seq === listSeq.current) reportError(err, { source });
      return null;
    } finally {
      if (seq === listSeq.current) setLoading(false);
    }
  }

  async function loadDetails(id: string, source = 'refresh'): Promise<TicketView | null> {
    const seq = ++detailSeq.current;
    try {
      const ticket = await api.ticket(id);
      if (seq !== detailSeq.current || selectedIdRef.current !== id || !keyRef.current) return null;
      const before = selectedRef.current?.id === id ? selectedRef.current.version : null;
      setSelected(ticket);
      if (source === 'refresh' && before !== null && before !== ticket.version)
        announce(tRef.current('msgTicketChanged', { number: ticket.number }));
      return ticket;
    } catch (err) {
      if (seq !== detailSeq.current) return null;
      reportError(err, { source });
      // Gone, or no longer ours to see (a technician's ticket reassigned): stop showing it.
      const e = ApiError.from(err);
      if ((e.kind === 'not_found' || e.kind === 'forbidden') && selectedIdRef.current === id) {
        setSelectedId(null);
        setSelected(null);
        setConfirmCancelFor(null);
      }
      return null;
    }
  }

  async function reloadSelected() {
    if (selectedIdRef.current) await loadDetails(selectedIdRef.current, 'action');
    await loadList('refresh');
  }

  /** GET /api/me: the key's role (and technician id), which decides the actions offered. */
  async function loadMe(source = 'refresh'): Promise<boolean> {
    try {
      const m = await session.loadMe();
      if (!m) return false;
      setMe(m);
      return true;
    } catch (err) {
      reportError(err, { source });
      return false;
    }
  }

  /** The manual's product lines and fault titles (shown next to ids); optional: ids alone still work. */
  async function loadFaults() {
    const key = keyRef.current;
    if (!key || faultsRef.current.size > 0 || faultsLoading.current === key) return;
    faultsLoading.current = key;
    try {
      const data = await api.faults();
      if (keyRef.current !== key) return;
      setFaults(new Map(data.faults.map((f) => [f.id, f])));
      setLines(data.productLines);
    } catch {
      /* the next refresh tries again */
    } finally {
      if (faultsLoading.current === key) faultsLoading.current = null;
    }
  }

  async function refreshAll() {
    if (!keyRef.current) return;
    // Either may have failed at sign-in (network, server starting): tried again at each refresh.
    if (!meRef.current && !(await loadMe('refresh'))) return;
    if (faultsRef.current.size === 0) void loadFaults();
    await loadList('refresh');
    if (selectedIdRef.current && !busyRef.current) await loadDetails(selectedIdRef.current, 'refresh');
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer.current);
    if (!keyRef.current) return;
    refreshTimer.current = setTimeout(async () => {
      await refreshAll();
      scheduleRefresh();
    }, REFRESH_MS);
  }

  const requery = () => {
    clearTimeout(techTimer.current);
    void loadList('action');
    scheduleRefresh();
  };

  const onFilters = (change: Partial<Filters>, now = false) => {
    const next = { ...filtersRef.current, ...change };
    setFilters(next);
    // Kept in the URL: a reload, a bookmark or a link sent to a colleague shows the same view.
    history.replaceState(null, '', `${location.pathname}${filtersToSearch(next)}`);
    clearTimeout(techTimer.current);
    if (now) requery();
    else techTimer.current = setTimeout(requery, TECH_DEBOUNCE_MS);
  };

  async function selectTicket(id: string) {
    if (selectedIdRef.current !== id) {
      setConfirmCancelFor(null);
      setAssignTo('');
      setNote('');
    }
    setSelectedId(id);
    // Show what the list already knows at once, then the authoritative copy.
    const known = ticketsRef.current.find((x) => x.id === id);
    if (known && selectedRef.current?.id !== id) setSelected(known);
    // One column (a phone, a narrow window): the details are below the list, so go there.
    if (window.matchMedia('(max-width: 1000px)').matches) {
      focus('details-title');
      requestAnimationFrame(() => document.getElementById('details')?.scrollIntoView({ block: 'start' }));
    }
    const ticket = await loadDetails(id, 'action');
    if (ticket) announce(tRef.current('msgSelected', { number: ticket.number }));
  }

  async function mutate(
    change: (ticket: TicketView, extra: { expectedVersion: number; note?: string }) => Promise<TicketView>,
    success: (t: TicketView) => string,
  ) {
    const ticket = selectedRef.current;
    if (!ticket || busyRef.current) return;
    clearAlert();
    setBusy(true);
    try {
      const updated = await change(ticket, { expectedVersion: ticket.version, ...(note.trim() ? { note: note.trim() } : {}) });
      setConfirmCancelFor(null);
      if (selectedIdRef.current === updated.id) {
        setSelected(updated);
        setNote('');
      }
      setTickets(sortByUrgency(ticketsRef.current.map((x) => (x.id === updated.id ? updated : x))));
      announce(success(updated));
      void loadList('refresh'); // the filters may no longer match it
    } catch (err) {
      reportError(err, { source: 'action' });
    } finally {
      setBusy(false);
      // The clicked button may have gone with the old status: keep the focus inside the details.
      requestAnimationFrame(() => {
        if (!document.activeElement || document.activeElement === document.body) document.getElementById('details-title')?.focus();
      });
    }
  }

  const onAssign = () => {
    const technicianId = assignTo.trim();
    if (!technicianId) {
      showAlert(t('errTechRequired'), { issues: [{ field: 'technicianId', message: t('errTechRequired') }] });
      setAssignInvalid(true);
      return focus('assign-tech');
    }
    setAssignInvalid(false);
    void mutate(
      (ticket, extra) => api.assign(ticket.id, { technicianId, ...extra } satisfies AssignBody),
      (u) => {
        setAssignTo('');
        return tRef.current('msgAssigned', { number: u.number, tech: u.technicianId ?? '' });
      },
    );
  };

  const onStatus = (to: TicketView['status']) => {
    const ticket = selectedRef.current;
    if (!ticket) return;
    if (to === 'cancelled' && confirmCancelFor !== ticket.id) {
      setConfirmCancelFor(ticket.id);
      return announce(t('msgConfirmCancel', { number: ticket.number }));
    }
    void mutate(
      (tk, extra) => api.changeStatus(tk.id, { status: to, ...extra } satisfies StatusChangeBody),
      (u) => tRef.current('msgStatus', { number: u.number, status: tRef.current.dynamic(`st_${u.status}`) }),
    );
  };

  function startSession() {
    scheduleRefresh();
  }

  async function signIn(key: string): Promise<boolean> {
    const r = await session.signIn(key);
    if (!r.ok) {
      setMe(null);
      const e = r.error;
      reportError('role' in e ? new ApiError(403, e.role) : e, { source: 'signin', signingIn: true });
      return false;
    }
    setMe(r.me);
    clearAlert();
    startSession();
    const [list] = await Promise.all([loadList('refresh'), loadFaults()]);
    if (list) announce(tRef.current('msgSignedIn', { n: list.length }));
    return true;
  }

  function signOut(silent = false) {
    session.signOut();
    setMe(null);
    setFaults(new Map());
    setLines([]);
    setTickets([]);
    setSelected(null);
    setSelectedId(null);
    setConfirmCancelFor(null);
    setLastUpdate(null);
    listSeq.current++;
    detailSeq.current++;
    clearTimeout(refreshTimer.current);
    if (!silent) {
      setAlert(null);
      announce(tRef.current('msgSignedOut'));
    }
    focus('api-key');
  }

  // A restored session (the key is in this tab): straight to the board.
  useLayoutEffect(() => {
    if (!keyRef.current) return void document.getElementById('api-key')?.focus();
    startSession();
    void (async () => {
      if (!(await loadMe('refresh'))) return;
      await Promise.all([loadList('action'), loadFaults()]);
    })();
  }, []);
  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  const signedIn = session.key !== null;
  const technician = me?.role === 'technician';
  return (
    <>
      <TopBar t={t} title={t('pageTitle')} me={me} signedIn={signedIn} onToggleLang={toggle} onSignOut={() => signOut()}>
        <p class="last-update" id="last-update" aria-live="off">
          {lastUpdate !== null && signedIn ? t('updatedAt', { at: clockTime(lastUpdate) }) : ''}
        </p>
      </TopBar>
      <Alert
        t={t}
        alert={alert}
        onDismiss={() => clearAlert()}
        reload={{ label: t('reloadTicket'), onReload: () => (clearAlert(), void reloadSelected()) }}
      />
      <StatusRegion message={status} />
      <main id="main" tabIndex={-1}>
        <SignIn
          t={t}
          hidden={signedIn}
          help={t('apiKeyHelp')}
          inputRef={keyInput}
          submit={signIn}
          onEmpty={() => showAlert(t('errKeyRequired'), { source: 'signin' })}
        />
        <div id="board" class="workspace board" hidden={!signedIn}>
          <TicketList
            t={t}
            lines={lines}
            faults={faults}
            filters={filters}
            technicianFilter={!technician}
            tickets={tickets}
            truncated={truncated}
            loading={loading}
            selectedId={selectedId}
            skewMs={skewMs}
            onFilters={onFilters}
            onApply={requery}
            onRefresh={() => void refreshAll().then(scheduleRefresh)}
            onSelect={(id) => void selectTicket(id)}
          />
          <TicketDetails
            t={t}
            me={me}
            ticket={selected}
            lines={lines}
            faults={faults}
            skewMs={skewMs}
            busy={busy}
            confirmingCancel={selected !== null && confirmCancelFor === selected.id}
            assignTo={assignTo}
            assignInvalid={assignInvalid}
            note={note}
            onAssignTo={setAssignTo}
            onNote={setNote}
            onAssign={onAssign}
            onStatus={onStatus}
            api={api}
            onError={(err) => reportError(err)}
          />
        </div>
      </main>
    </>
  );
}

render(<App />, document.body);
