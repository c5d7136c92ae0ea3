import { render } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import type { FaultEntry, MachineView, ProductLineSummary, Suggestion, TicketView } from '../../api/responses.js';
import { ApiError, randomKey } from '../shared/api.js';
import { errorMessage } from '../shared/errors.js';
import type { Lang, Translator } from '../shared/i18n.js';
import { bi } from '../shared/manual.js';
import { roleName, useAnnouncer, useLanguage, useSession } from '../shared/session.js';
import { Alert, SignIn, StatusRegion, TopBar, useFocusAfterRender, type AlertState } from '../shared/ui.js';
import { FaultDetails } from './details.js';
import {
  emptyForm,
  FIELD_INPUT,
  promisedHours,
  stepsTried,
  ticketBody,
  type FormField,
  type FormValues,
  type StepTried,
  type TickResult,
} from './logic.js';
import { SuggestSearch } from './search.js';
import { InputPane, routeName } from './suggestions.js';
import { LiveDesk, type ChatForTicket } from './live.js';
import { PANEL } from './text.js';
import { TicketForm, type FormErrors } from './ticket-form.js';

/**
 * The call-center suggestion panel: the agent types what the caller says, reads out
 * safety notes and steps, ticks what was tried, and ends the call with a dispatch
 * ticket or "resolved on the phone". The second view is the live chats (live.tsx): the
 * queue of conversations the bot handed over, answered in the operator's own chat; a
 * ticket opened from a chat uses the call view's form, prefilled and linked to the
 * conversation. This module holds the call's state and wires the panes; the rules are
 * in logic.ts, the search in search.ts.
 */

export type PanelT = Translator<typeof PANEL.en>;

const STAFF = ['agent', 'dispatcher', 'admin'] as const;

interface Selected {
  id: string;
  score?: number;
  productLine: string;
  title: Suggestion['title'];
}

interface FormState {
  open: boolean;
  idempotencyKey: string;
  values: FormValues;
  errors: FormErrors;
  submitting: boolean;
}
const noErrors: FormErrors = { fields: {}, general: '' };

function App() {
  const { lang, t, toggle } = useLanguage(PANEL, (tt) => tt('pageTitle'));
  const tRef = useRef(t);
  tRef.current = t;
  const session = useSession('panel.apiKey', STAFF);
  const { api } = session;
  const [alert, setAlert] = useState<AlertState | null>(null);
  // The installed base: a known serial fills the form's empty machine and customer fields.
  const [machine, setMachine] = useState<MachineView | null>(null);
  const serialTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const lookUpSerial = (serial: string) => {
    clearTimeout(serialTimer.current);
    setMachine(null);
    if (serial.trim().length < 3) return;
    serialTimer.current = setTimeout(() => {
      void api.request<MachineView>(`/api/equipment/${encodeURIComponent(serial.trim())}`).then(
        (m) => {
          setMachine(m);
          setForm((f) => ({
            ...f,
            values: {
              ...f.values,
              't-model': f.values['t-model'] || m.model,
              't-customer': f.values['t-customer'] || m.customer,
              't-site': f.values['t-site'] || m.site,
              't-line': f.values['t-line'] || m.productLine,
            },
          }));
        },
        () => undefined, // not in the installed base: nothing to fill
      );
    }, 400);
  };
  const [status, announce] = useAnnouncer();
  const focus = useFocusAfterRender();
  const keyInput = useRef<HTMLInputElement>(null);

  const [, changed] = useReducer((n: number) => n + 1, 0);
  const expireRef = useRef<(e: ApiError) => void>(() => undefined);
  const search = useMemo(
    () =>
      new SuggestSearch(
        (body, signal) => api.suggest(body, signal),
        () => changed(0),
        (e) => (e.kind === 'unauthorized' ? (expireRef.current(e), true) : false),
      ),
    [api],
  );

  const [lines, setLines] = useState<ProductLineSummary[]>([]);
  const [text, setText] = useState('');
  const [line, setLine] = useState('');
  const [selected, setSelected] = useState<Selected | null>(null);
  const [faults, setFaults] = useState<ReadonlyMap<string, FaultEntry>>(new Map());
  const faultSeq = useRef(0);
  const [viewed, setViewed] = useState<string[]>([]);
  const [ticks, setTicks] = useState<ReadonlyMap<string, TickResult>>(new Map());
  const [scriptLang, setScriptLang] = useState<Lang | null>(null);
  const [form, setForm] = useState<FormState>({
    open: false,
    idempotencyKey: '',
    values: emptyForm(),
    errors: noErrors,
    submitting: false,
  });
  const submitting = useRef(false);
  const [ticket, setTicket] = useState<TicketView | null>(null);
  const [outcomeFor, setOutcomeFor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [gapReportedFor, setGapReportedFor] = useState<string | null>(null);
  const [actionMsg, setActionMsg] = useState({ text: '', kind: 'ok' });
  const focusListOnResults = useRef(false);
  const lastAnnounced = useRef('');
  const [view, setView] = useState<'call' | 'live'>('call');
  const [waitingChats, setWaitingChats] = useState(0);
  const [cue, setCue] = useState(false);
  const cueTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  /** The live chat the form's ticket is for: its conversation hears about the ticket; its tried steps go along. */
  const [chatLink, setChatLink] = useState<{ reference: string; stepsTried: StepTried[] } | null>(null);

  const showAlert = (message: string, source = 'action') => setAlert({ message, source });
  const describe = (err: unknown) => {
    const e = ApiError.from(err);
    return errorMessage(tRef.current, e, { idempotency_key_reused: tRef.current('err422', { error: e.message }) });
  };
  /** Shows an error where it belongs; a key that is no longer accepted signs out. */
  const handleError = (err: unknown, show: (m: string) => void = showAlert) => {
    const e = ApiError.from(err);
    if (e.kind === 'unauthorized') return expireRef.current(e);
    show(describe(e));
  };
  expireRef.current = (e) => {
    signOut(true);
    showAlert(tRef.current('err401', { error: e.message }), 'signin');
  };

  const shown = search.shown;
  const response = shown?.response;
  const callerLang = response?.language === 'zh' || response?.language === 'en' ? response.language : null;
  const contentLang: Lang = scriptLang ?? callerLang ?? lang;
  const fault = selected ? (faults.get(selected.id) ?? null) : null;
  const tried = useMemo(() => stepsTried(viewed, faults, ticks), [viewed, faults, ticks]);
  const gapKey = `${text.trim()}\u0000${line}`;

  // The manual's product lines, once per sign-in (tried again while missing).
  useEffect(() => {
    if (!session.key || lines.length) return;
    api.faults().then(
      (d) => setLines(d.productLines),
      () => undefined,
    );
  }, [session.key, shown]);

  // A restored session: check the key is still good and still a staff key.
  useLayoutEffect(() => {
    document.getElementById(session.key ? 'caller-text' : 'api-key')?.focus();
    if (!session.key) return;
    session.loadMe().then(
      (me) => {
        if (me && !session.allowed(me)) {
          signOut(true);
          showAlert(t('errRolePanel', { role: roleName(t, me.role) }), 'signin');
        }
      },
      (err) => handleError(err),
    );
  }, []);

  // After an answer: ↓ pressed early moves into the list now; the top suggestion is announced.
  useEffect(() => {
    if (!response) return;
    if (focusListOnResults.current) {
      focusListOnResults.current = false;
      if (document.activeElement?.id === 'caller-text') focusOption(0);
    }
    const message = response.intent
      ? t('reason_intent', { route: routeName(t, response.intent.route) })
      : response.abstain
        ? t('msgNoMatch')
        : response.results[0]
          ? t('msgTop', { title: bi(response.results[0].title, lang) })
          : '';
    if (message && message !== lastAnnounced.current) {
      lastAnnounced.current = message;
      announce(message);
    }
  }, [response]);

  const onText = (value: string) => {
    setText(value);
    search.type(value, line);
  };
  const onLine = (value: string) => {
    setLine(value);
    void search.run(text, value);
  };

  const focusOption = (index: number) => {
    const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('#suggestions button.sg'));
    if (buttons.length) buttons[Math.max(0, Math.min(buttons.length - 1, index))]!.focus();
  };

  const onCallerKeyDown = (ev: KeyboardEvent) => {
    if (ev.key !== 'ArrowDown' || ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    const area = ev.currentTarget as HTMLTextAreaElement;
    // Only from the last line: elsewhere ↓ moves the caret as usual.
    if (area.value.indexOf('\n', area.selectionEnd) !== -1 || !area.value.trim()) return;
    ev.preventDefault();
    if (search.shows(area.value, line) && !search.pending) return focusOption(0);
    focusListOnResults.current = true;
    if (!search.inFlight && !search.retrying) void search.run(area.value, line);
  };

  const onListKeyDown = (ev: KeyboardEvent) => {
    const target = ev.target as HTMLElement;
    if (!target.matches('button.sg')) return;
    const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('#suggestions button.sg'));
    const index = buttons.indexOf(target as HTMLButtonElement);
    const moves: Record<string, () => void> = {
      ArrowDown: () => focusOption(index + 1),
      ArrowUp: () => (index <= 0 ? document.getElementById('caller-text')?.focus() : focusOption(index - 1)),
      Home: () => focusOption(0),
      End: () => focusOption(buttons.length - 1),
    };
    const move = moves[ev.key];
    if (!move) return;
    ev.preventDefault();
    move();
  };

  const select = async (s: Suggestion) => {
    setSelected({ id: s.id, score: s.score, productLine: s.productLine, title: s.title });
    setViewed((v) => (v.includes(s.id) ? v : [...v, s.id]));
    setForm((f) => ({ ...f, open: false, errors: noErrors }));
    const seq = ++faultSeq.current;
    let entry = faults.get(s.id);
    if (!entry) {
      try {
        entry = await api.fault(s.id);
      } catch (err) {
        if (seq === faultSeq.current) handleError(err);
        return;
      }
      if (seq !== faultSeq.current) return;
      const loaded = entry;
      setFaults((m) => new Map(m).set(s.id, loaded));
    }
    announce(t('msgShowing', { id: entry.id, title: bi(entry.title, lang) }));
  };

  const setTick = (key: string, result: TickResult | null) =>
    setTicks((m) => {
      const next = new Map(m);
      if (result) next.set(key, result);
      else next.delete(key);
      return next;
    });

  const productLineForTicket = () => fault?.product_line ?? selected?.productLine ?? (line || response?.detectedProductLine || '');

  const openForm = () => {
    if (ticket) return focus('ticket-done'); // one ticket per call: show it again
    if (!form.open) {
      setForm((f) => ({
        open: true,
        idempotencyKey: randomKey('panel'),
        values: { ...f.values, 't-words': text.trim(), 't-line': productLineForTicket() },
        errors: noErrors,
        submitting: false,
      }));
    }
    document.getElementById('details-scroll')?.scrollTo(0, 0);
    focus('t-customer');
  };
  const closeForm = () => {
    if (!form.open) return;
    setForm((f) => ({ ...f, open: false, errors: noErrors }));
    focus('create-ticket');
  };

  const issueText = (field: string, message: string) => {
    if (field === 'contact.phone' && /phone/i.test(message)) return form.values['t-phone'].trim() ? t('errPhone') : t('errRequired');
    if (/^(must not be empty|required)$/i.test(message)) return t('errRequired');
    return message;
  };

  const showFieldErrors = (e: ApiError) => {
    const fields: Partial<Record<FormField, string>> = {};
    const general: string[] = [];
    let first: FormField | null = null;
    for (const issue of e.issues) {
      const id = FIELD_INPUT[issue.field];
      if (id && !(id === 't-line' && selected)) {
        const msg = issueText(issue.field, issue.message);
        fields[id] = fields[id] ? `${fields[id]} ${msg}` : msg;
        first ??= id;
      } else {
        general.push(`${issue.field}: ${issue.message}`);
      }
    }
    setForm((f) => ({ ...f, submitting: false, errors: { fields, general: [t('err400'), ...general].join(' ') } }));
    focus(first ?? 'form-error');
  };

  const submitTicket = async () => {
    if (submitting.current) return; // a double click sends once (and the key makes a retry safe)
    submitting.current = true;
    setForm((f) => ({ ...f, submitting: true }));
    const sel = selected ? { id: selected.id, score: selected.score, productLine: productLineForTicket() } : null;
    try {
      const body = ticketBody(form.values, sel, tried);
      if (chatLink)
        Object.assign(body, { reference: chatLink.reference, stepsTried: [...chatLink.stepsTried, ...(body.stepsTried ?? [])] });
      const created = await api.createTicket(body, form.idempotencyKey);
      setTicket(created);
      setForm((f) => ({ ...f, open: false, submitting: false, errors: noErrors }));
      document.getElementById('details-scroll')?.scrollTo(0, 0);
      focus('ticket-done');
      announce(t('msgTicket', { number: created.number }));
    } catch (err) {
      const e = ApiError.from(err);
      if (e.kind === 'invalid_request') showFieldErrors(e);
      else {
        setForm((f) => ({ ...f, submitting: false }));
        handleError(e, (message) => setForm((f) => ({ ...f, errors: { fields: {}, general: message } })));
      }
    } finally {
      submitting.current = false;
    }
  };

  const onResolved = async () => {
    if (!selected || busy) return;
    const id = selected.id;
    const line = selected.productLine ?? fault?.product_line;
    setBusy(true);
    try {
      await api.recordOutcome({
        text: text.trim() || (fault ? bi(fault.title, 'en') : id),
        faultId: id,
        stepsTried: tried.filter((s) => s.faultId === id),
        ...(line ? { productLine: line as FaultEntry['product_line'] } : {}),
      });
      setOutcomeFor(id);
      setActionMsg({ text: t('outcomeDone', { fault: id }), kind: 'ok' });
      announce(t('outcomeDone', { fault: id }));
    } catch (err) {
      handleError(err, (message) => setActionMsg({ text: message, kind: 'bad' }));
    } finally {
      setBusy(false);
    }
  };

  const onReportGap = async () => {
    const words = text.trim();
    if (!words || busy) return;
    const productLine = line || response?.detectedProductLine;
    setBusy(true);
    try {
      await api.reportGap({ text: words, ...(productLine ? { productLine: productLine as FaultEntry['product_line'] } : {}) });
      setGapReportedFor(gapKey);
      announce(t('gapReported'));
    } catch (err) {
      handleError(err);
    } finally {
      setBusy(false);
    }
  };

  const newCall = () => {
    search.reset();
    faultSeq.current++;
    setText('');
    setLine('');
    setSelected(null);
    setViewed([]);
    setTicks(new Map());
    setScriptLang(null);
    setTicket(null);
    setOutcomeFor(null);
    setGapReportedFor(null);
    lastAnnounced.current = '';
    focusListOnResults.current = false;
    setForm({ open: false, idempotencyKey: '', values: emptyForm(), errors: noErrors, submitting: false });
    setActionMsg({ text: '', kind: 'ok' });
    setChatLink(null);
  };

  /** A ticket from a live chat: a fresh call with the operator's words, the bot's match and the callback number, the form open. */
  const ticketFromChat = ({ detail, words }: ChatForTicket) => {
    newCall();
    setChatLink({ reference: detail.ticketReference, stepsTried: detail.stepsTried });
    setText(words);
    setLine(detail.productLine ?? '');
    if (words.trim()) void search.run(words, detail.productLine ?? '');
    setForm({
      open: true,
      idempotencyKey: randomKey('panel-chat'),
      values: { ...emptyForm(), 't-words': words, 't-line': detail.productLine ?? '', 't-phone': detail.callbackPhone ?? '' },
      errors: noErrors,
      submitting: false,
    });
    setView('call');
    if (detail.faultId) {
      const id = detail.faultId;
      const seq = ++faultSeq.current;
      api.fault(id).then(
        (entry) => {
          if (seq !== faultSeq.current) return;
          setFaults((m) => new Map(m).set(id, entry));
          setSelected({ id, productLine: entry.product_line, title: entry.title });
          setViewed([id]);
        },
        () => undefined, // a fault no longer in the manual: the ticket goes without it
      );
    }
    focus('t-customer');
  };

  async function signIn(key: string): Promise<boolean> {
    const r = await session.signIn(key);
    if (r.ok) {
      setAlert(null);
      announce(t('msgSignedIn'));
      focus('caller-text');
      if (text.trim()) void search.run(text, line);
      return true;
    }
    const e = r.error;
    if ('role' in e) showAlert(t('errRolePanel', { role: roleName(t, e.role) }), 'signin');
    else if (e.kind === 'unauthorized' || e.kind === 'forbidden') showAlert(t('errSignIn', { error: e.message }), 'signin');
    else showAlert(describe(e), 'signin');
    return false;
  }

  function signOut(silent = false) {
    session.signOut();
    newCall();
    setFaults(new Map());
    setLines([]);
    if (!silent) {
      setAlert(null);
      announce(t('msgSignedOut'));
    }
    focus('api-key');
  }

  // Esc closes the form, or goes back to the caller's words from anywhere in the panel.
  const onEscape = useRef<(ev: KeyboardEvent) => void>(() => undefined);
  onEscape.current = (ev) => {
    if (ev.key !== 'Escape' || ev.defaultPrevented || !session.key) return;
    if (form.open) {
      ev.preventDefault();
      return closeForm();
    }
    const active = document.activeElement;
    if (active?.id !== 'caller-text' && document.getElementById('panel')?.contains(active)) {
      ev.preventDefault();
      document.getElementById('caller-text')?.focus();
    }
  };
  useEffect(() => {
    const listener = (ev: KeyboardEvent) => onEscape.current(ev);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);

  const signedIn = session.key !== null;
  const resolvedDisabled = !selected || busy || outcomeFor === selected.id || Boolean(ticket);
  const suggestResolved = !resolvedDisabled && tried.some((s) => s.faultId === selected!.id && s.result === 'fixed');
  return (
    <>
      <TopBar t={t} title={t('pageTitle')} me={session.me} signedIn={signedIn} onToggleLang={toggle} onSignOut={() => signOut()} />
      <main id="main" tabIndex={-1}>
        <Alert t={t} alert={alert} onDismiss={() => setAlert(null)} />
        <StatusRegion message={status} />
        <SignIn
          t={t}
          hidden={signedIn}
          help={t('apiKeyHelp')}
          inputRef={keyInput}
          submit={signIn}
          onEmpty={() => showAlert(t('errKeyRequired'), 'signin')}
        />
        {signedIn ? (
          <div class="views" role="tablist" aria-label={t('pageTitle')}>
            <button
              type="button"
              role="tab"
              id="tab-call"
              aria-selected={view === 'call'}
              aria-controls="panel"
              onClick={() => setView('call')}
            >
              {t('tabCall')}
            </button>
            <button
              type="button"
              role="tab"
              id="tab-live"
              class={cue ? 'cue' : ''}
              aria-selected={view === 'live'}
              aria-controls="live"
              onClick={() => setView('live')}
            >
              {waitingChats ? t('tabLiveCount', { count: waitingChats }) : t('tabLive')}
            </button>
          </div>
        ) : null}
        {signedIn && session.key ? (
          <LiveDesk
            t={t}
            lang={lang}
            api={api}
            apiKey={session.key}
            me={session.me}
            hidden={view !== 'live'}
            onWaiting={(count, arrived) => {
              setWaitingChats(count);
              if (!arrived) return;
              setCue(true);
              clearTimeout(cueTimer.current);
              cueTimer.current = setTimeout(() => setCue(false), 8000);
            }}
            onOpenTicket={ticketFromChat}
            onError={(err) => handleError(err)}
            onRefused={() => expireRef.current(new ApiError(401, 'the key was refused'))}
            announce={announce}
          />
        ) : null}
        <div id="panel" class="workspace panel" hidden={!signedIn || view !== 'call'}>
          <InputPane
            t={t}
            lines={lines}
            text={text}
            line={line}
            search={search}
            selectedId={selected?.id ?? null}
            gapReported={gapReportedFor === gapKey}
            busy={busy}
            errorText={describe}
            onText={onText}
            onLine={onLine}
            onNewCall={() => {
              newCall();
              announce(t('msgNewCall'));
              focus('caller-text');
            }}
            onCallerKeyDown={onCallerKeyDown}
            onListKeyDown={onListKeyDown}
            onSelect={(s) => void select(s)}
            onReportGap={() => void onReportGap()}
          />
          <section class="pane details-pane" aria-labelledby="details-pane-title">
            <h2 id="details-pane-title" class="visually-hidden">
              {t('detailsPaneTitle')}
            </h2>
            <div id="details-scroll" class="details-scroll">
              <div id="ticket-done" class="ticket-done" hidden={!ticket} tabIndex={-1}>
                <p class="ticket-done-title">{t('ticketCreated')}</p>
                <p id="ticket-number" class="ticket-number">
                  {ticket ? t('ticketNumber', { number: ticket.number }) : ''}
                </p>
                <p id="ticket-promise" class="ticket-promise">
                  {ticket
                    ? t('promise', {
                        respond: promisedHours(ticket, 'respond'),
                        onSite: promisedHours(ticket, 'on_site'),
                        fixed: promisedHours(ticket, 'fixed'),
                      })
                    : ''}
                </p>
              </div>
              <p id="details-empty" class="empty details-empty" hidden={Boolean(selected) || form.open}>
                {t('detailsEmpty')}
              </p>
              <FaultDetails
                t={t}
                lines={lines}
                loading={selected && !fault ? selected : null}
                fault={fault}
                hidden={form.open}
                lang={contentLang}
                ticks={ticks}
                onReadIn={setScriptLang}
                onTick={setTick}
              />
              {chatLink && form.open ? (
                <p id="chat-link-note" class="note">
                  {t('liveTicketFor')}
                </p>
              ) : null}
              <TicketForm
                t={t}
                lines={lines}
                open={form.open}
                values={form.values}
                errors={form.errors}
                selected={
                  selected
                    ? {
                        id: selected.id,
                        title: fault ? bi(fault.title, lang) : '',
                        score: selected.score,
                        productLine: productLineForTicket(),
                      }
                    : null
                }
                tried={tried}
                submitting={form.submitting}
                machineNote={
                  machine
                    ? t('machineFound', {
                        model: machine.model,
                        customer: machine.customer,
                        warranty: machine.inWarranty
                          ? t('inWarrantyUntil', { day: machine.warrantyEnd })
                          : t('outOfWarrantySince', { day: machine.warrantyEnd }),
                      })
                    : undefined
                }
                onChange={(field, value) => {
                  setForm((f) => ({ ...f, values: { ...f.values, [field]: value } }));
                  if (field === 't-serial') lookUpSerial(String(value));
                }}
                onSubmit={() => void submitTicket()}
                onCancel={closeForm}
              />
            </div>
            <div id="action-bar" class="action-bar" hidden={form.open}>
              <div class="action-buttons">
                <button
                  type="button"
                  id="resolved"
                  class={`ok${suggestResolved ? ' suggested' : ''}`}
                  disabled={resolvedDisabled}
                  onClick={() => void onResolved()}
                >
                  {t('resolvedOnPhone')}
                </button>
                <button type="button" id="create-ticket" disabled={busy} onClick={openForm}>
                  {t('createTicket')}
                </button>
              </div>
              <p id="action-msg" class={`action-msg ${actionMsg.text ? actionMsg.kind : ''}`} role="status">
                {actionMsg.text}
              </p>
            </div>
          </section>
        </div>
      </main>
    </>
  );
}

render(<App />, document.body);
