import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { FaultEntry, FaultSummary, MeResponse, PartsResponse, TicketMediaView, TicketView } from '../../api/responses.js';
import { ApiError, type Api } from '../shared/api.js';
import { errorMessage } from '../shared/errors.js';
import { shortDateTime } from '../shared/format.js';
import type { Translator } from '../shared/i18n.js';
import { bi } from '../shared/manual.js';
import { FIELD_SESSION, FieldNav } from '../shared/field.js';
import { MediaThumbs, ticketMediaSource } from '../shared/media.js';
import { dropPhoto, keepPhotos, photosFor, type QueuedPhoto } from './photo-queue.js';
import { useAnnouncer, useLanguage, useSession } from '../shared/session.js';
import { Alert, SessionSignIn, StatusRegion, TopBar, useRefState, type AlertState } from '../shared/ui.js';
import {
  alreadyClosedOut,
  closeOutBody,
  emptyDraft,
  faultIdOf,
  loadDraft,
  minutesSinceArrival,
  navigationLinks,
  nextDeadline,
  partCodeOf,
  saveDraft,
  sortJobs,
  telLink,
  WORK_STATUSES,
  type Draft,
} from './logic.js';
import { TECH } from './text.js';

/**
 * The technician's view, phone first: my jobs by deadline (down machines first); a job
 * with call and navigate, en route / on site, what the operator said and tried, the
 * fault's technician steps, safety and stop-work notes, likely parts, the photos; and
 * the close-out form, kept as a draft on the phone and sent again until the server has
 * it (a resend that finds the job closed out stops there: submitting is idempotent).
 */

type T = Translator<typeof TECH.en>;
const REFRESH_MS = 30_000;
const RETRY_MS = 10_000;

function App() {
  const { t, toggle } = useLanguage(TECH, (tt) => tt('pageTitle'));
  const session = useSession(FIELD_SESSION, ['technician', 'admin']);
  const { api, keyRef } = session;
  const [status, announce] = useAnnouncer();
  const keyInput = useRef<HTMLInputElement>(null);
  const [alert, setAlert] = useState<AlertState | null>(null);
  const [me, setMe] = useRefState<MeResponse | null>(null);
  const [jobs, setJobs] = useState<TicketView[]>([]);
  const [openId, setOpenId, openIdRef] = useRefState<string | null>(null);
  const [faults, setFaults] = useState<FaultSummary[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [inspections, setInspections] = useState(0);
  /** A job named in the URL (/tech?job=<id>, the board's link for the technician on it): opened once the list has it. */
  const wanted = useRef(new URLSearchParams(location.search).get('job'));

  const report = (err: unknown) => {
    const e = ApiError.from(err);
    if (e.kind === 'unauthorized') signOut();
    setAlert({ message: errorMessage(t, e), issues: e.issues, source: 'action' });
  };

  async function loadJobs() {
    if (!keyRef.current) return;
    try {
      const q = new URLSearchParams({ status: WORK_STATUSES.join(','), sort: 'priority', limit: '200' });
      const list = await api.tickets(q);
      // Maintenance work orders have their own page (/inspect, with the checklist).
      const mine = sortJobs(list.tickets.filter((tk) => tk.kind !== 'maintenance'));
      setJobs(mine);
      if (wanted.current && mine.some((j) => j.id === wanted.current)) setOpenId(wanted.current);
      wanted.current = null;
      setInspections(list.tickets.filter((tk) => tk.kind === 'maintenance').length);
      setLoaded(true);
    } catch (err) {
      report(err);
    }
  }

  function signOut() {
    session.signOut();
    setMe(null);
    setJobs([]);
    setOpenId(null);
  }

  // Sign-in from the stored key; the manual's index for the close-out search.
  useEffect(() => {
    if (!session.key) return;
    void (async () => {
      try {
        setMe(await session.loadMe());
        setFaults((await api.faults()).faults);
        await loadJobs();
      } catch (err) {
        report(err);
      }
    })();
  }, [session.key]);

  useEffect(() => {
    const timer = setInterval(() => void (keyRef.current && !openIdRef.current && loadJobs()), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  // Close-outs kept on the phone are sent again when the network is back, and at once
  // when the app opens signed in (after a reload, or a tab the browser had dropped).
  useEffect(() => {
    const retry = () =>
      void resendQueued(api, (n) => announce(t('closedOut', { number: n }))).then(async () => {
        if (keyRef.current) await loadJobs();
      });
    window.addEventListener('online', retry);
    const timer = setInterval(retry, RETRY_MS);
    if (session.key) retry();
    return () => {
      window.removeEventListener('online', retry);
      clearInterval(timer);
    };
  }, [t, session.key]);

  const signedIn = Boolean(session.key && me);
  const open = jobs.find((j) => j.id === openId) ?? null;
  return (
    <>
      <TopBar t={t} title={t('pageTitle')} me={me} signedIn={signedIn} onToggleLang={toggle} onSignOut={signOut} />
      {signedIn && <FieldNav t={t} current="jobs" counts={{ jobs: jobs.length, inspections }} />}
      <main id="main" tabIndex={-1}>
        <Alert t={t} alert={alert} onDismiss={() => setAlert(null)} />
        <SessionSignIn
          t={t}
          hidden={signedIn}
          help={t('apiKeyHelp')}
          inputRef={keyInput}
          signIn={session.signIn}
          setAlert={setAlert}
          onSignedIn={(m) => (setAlert(null), setMe(m))}
        />
        {signedIn && !open && (
          <JobList t={t} jobs={jobs} loaded={loaded} onOpen={setOpenId} onRefresh={() => void loadJobs()} faults={faults} />
        )}
        {signedIn && open && (
          <Job
            key={open.id}
            t={t}
            api={api}
            job={open}
            faults={faults}
            onBack={() => {
              setOpenId(null);
              void loadJobs();
            }}
            onChanged={(j) => {
              setJobs((all) => sortJobs(all.map((x) => (x.id === j.id ? j : x))));
              announce(t('msgStatus', { number: j.number, status: t.dynamic(`st_${j.status}`) }));
            }}
            onClosedOut={(j) => {
              announce(t('closedOut', { number: j.number }));
              setAlert(null);
              setOpenId(null);
              void loadJobs();
            }}
            onError={report}
          />
        )}
      </main>
      <StatusRegion message={status} />
    </>
  );
}

function deadlineText(t: T, job: TicketView): string {
  const c = nextDeadline(job);
  if (!c) return '';
  const clock = t.dynamic(`clock_${c.name}`);
  return c.state === 'breached' ? t('overdue', { clock, at: shortDateTime(c.dueAt) }) : t('due', { clock, at: shortDateTime(c.dueAt) });
}

function faultTitle(t: T, faults: readonly FaultSummary[], id: string | undefined): string {
  const f = id ? faults.find((x) => x.id === id) : undefined;
  return f ? `${f.id} · ${bi(f.title, t.lang)}` : (id ?? '');
}

function JobList(props: {
  t: T;
  jobs: TicketView[];
  loaded: boolean;
  faults: FaultSummary[];
  onOpen: (id: string) => void;
  onRefresh: () => void;
}) {
  const { t } = props;
  return (
    <section aria-labelledby="jobs-title" class="jobs">
      <div class="jobs-head">
        <h2 id="jobs-title">{t('jobs')}</h2>
        <button type="button" class="secondary" onClick={props.onRefresh}>
          {t('refresh')}
        </button>
      </div>
      {props.loaded && props.jobs.length === 0 && <p class="muted">{t('noJobs')}</p>}
      <ul class="job-list">
        {props.jobs.map((j) => {
          const c = nextDeadline(j);
          return (
            <li key={j.id}>
              <button type="button" class={`job-card${j.machineDown ? ' is-down' : ''}`} onClick={() => props.onOpen(j.id)}>
                <span class="job-number">{j.number}</span>
                {j.machineDown && <span class="down-badge">{t('down')}</span>}
                <span class="job-status">{t.dynamic(`st_${j.status}`)}</span>
                <span class="job-fault">{faultTitle(t, props.faults, j.faults[0]?.id) || j.equipment.productLine}</span>
                <span class="job-site">{j.customer.site.address}</span>
                <span class={`job-due sla-${c?.state ?? 'none'}`}>{deadlineText(t, j)}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Job(props: {
  t: T;
  api: Api;
  job: TicketView;
  faults: FaultSummary[];
  onBack: () => void;
  onChanged: (j: TicketView) => void;
  onClosedOut: (j: TicketView) => void;
  onError: (e: unknown) => void;
}) {
  const { t, api, job } = props;
  const [entry, setEntry] = useState<FaultEntry | null>(null);
  const [busy, setBusy] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  useEffect(() => {
    const id = job.faults[0]?.id;
    if (id) api.fault(id).then(setEntry, props.onError);
  }, [job.faults[0]?.id]);

  const tel = telLink(job.contact.phone);
  const nav = navigationLinks(job.customer.site);
  const setStatus = async (to: TicketView['status']) => {
    setBusy(true);
    try {
      props.onChanged(await api.changeStatus(job.id, { status: to, expectedVersion: job.version }));
    } catch (err) {
      props.onError(err);
    } finally {
      setBusy(false);
    }
  };
  const techSteps =
    entry?.causes
      .map((c) => ({ cause: c, steps: [...c.checks, ...c.fixes].filter((s) => s.by === 'technician') }))
      .filter((x) => x.steps.length > 0) ?? [];
  const partName = (code: string) => entry?.parts.find((p) => p.code === code);
  return (
    <article class="job" aria-labelledby="job-title">
      <button type="button" class="secondary back" onClick={props.onBack}>
        {t('back')}
      </button>
      <h2 id="job-title" tabIndex={-1} ref={headingRef}>
        {job.number} <span class="job-status">{t.dynamic(`st_${job.status}`)}</span>
      </h2>
      {job.machineDown && <p class="down-badge">{t('down')}</p>}
      <p class="job-due">{deadlineText(t, job)}</p>

      <div class="actions-row">
        {tel && (
          <a class="button" href={tel}>
            {t('call', { name: job.contact.name })}
          </a>
        )}
        <a class="button" href={nav.geo}>
          {t('navigate')}
        </a>
        {nav.map && (
          <a class="button secondary" href={nav.map} target="_blank" rel="noopener noreferrer">
            {t('openMap')}
          </a>
        )}
      </div>
      {!nav.map && <p class="muted">{t('noCoordinates')}</p>}
      <div class="actions-row">
        {job.allowed.statuses
          .filter((s) => s === 'en_route' || s === 'on_site')
          .map((s) => (
            <button type="button" key={s} disabled={busy} onClick={() => void setStatus(s)}>
              {t.dynamic(`act_${s}`)}
            </button>
          ))}
      </div>

      <section aria-labelledby="site-title">
        <h3 id="site-title">{t('site')}</h3>
        <p>{job.customer.site.address}</p>
        <p>
          {job.customer.name} · {job.contact.name} {job.contact.phone}
        </p>
        <p>
          {t('machine')}: {[job.equipment.productLine, job.equipment.model, job.equipment.serial].filter(Boolean).join(' · ')}
        </p>
      </section>

      <section aria-labelledby="said-title">
        <h3 id="said-title">{t('operatorSaid')}</h3>
        <p class="said">{job.operatorWords}</p>
        {job.stepsTried.length > 0 && (
          <>
            <h4>{t('stepsTried')}</h4>
            <ul>
              {job.stepsTried.map((s, i) => (
                <li key={i}>
                  {s.step} — {t.dynamic(`result_${s.result}`)}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      {entry && (
        <>
          <section aria-labelledby="safety-title" class="safety">
            <h3 id="safety-title">{t('safety')}</h3>
            <ul>
              {entry.safety.map((w, i) => (
                <li key={i}>{bi(w, t.lang)}</li>
              ))}
            </ul>
            {(entry.stopWork?.[t.lang].length ?? 0) > 0 && (
              <>
                <h4>{t('stopWork')}</h4>
                <ol>
                  {entry.stopWork![t.lang].map((s, i) => (
                    <li key={i}>{s}</li>
                  ))}
                </ol>
              </>
            )}
          </section>
          <section aria-labelledby="steps-title">
            <h3 id="steps-title">{t('techSteps')}</h3>
            {techSteps.map(({ cause, steps }) => (
              <div key={cause.id} class="cause">
                <h4>
                  {cause.id} · {bi(cause.title, t.lang)}
                </h4>
                <ol>
                  {steps.map((s, i) => (
                    <li key={i}>{s[t.lang]}</li>
                  ))}
                </ol>
              </div>
            ))}
          </section>
        </>
      )}

      <section aria-labelledby="parts-title">
        <h3 id="parts-title">{t('likelyParts')}</h3>
        <ul>
          {job.likelyParts.map((code) => (
            <li key={code}>
              {code}
              {partName(code) ? ` · ${bi(partName(code)!.name, t.lang)}` : ''}
            </li>
          ))}
        </ul>
      </section>

      <Photos t={t} api={api} job={job} onError={props.onError} />
      {job.allowed.closeOut && (
        <CloseOutForm t={t} api={api} job={job} faults={props.faults} onDone={props.onClosedOut} onError={props.onError} />
      )}
    </article>
  );
}

function Photos(props: { t: T; api: Api; job: TicketView; onError: (e: unknown) => void }) {
  const { t, job } = props;
  const media = job.media ?? [];
  const label = (m: TicketMediaView) =>
    m.hasThumbnail
      ? `${m.name} (${t.dynamic(`photoBy_${m.by}`)})`
      : m.contentType.startsWith('video/')
        ? t('video', { name: m.name })
        : t('heic', { name: m.name });
  return (
    <section aria-labelledby="photos-title">
      <h3 id="photos-title">{t('photos')}</h3>
      {media.length === 0 && <p class="muted">{t('noPhotos')}</p>}
      <MediaThumbs
        source={ticketMediaSource(props.api, job.id)}
        sourceKey={job.id}
        media={media}
        label={label}
        closeLabel={t('mediaClose')}
        onError={props.onError}
      />
    </section>
  );
}

/**
 * Sends a draft marked submitted: the photos kept for it first (each forgotten once the
 * server has it, so a retry sends only the rest), then the close-out.
 */
async function sendDraft(api: Api, d: Draft): Promise<TicketView | 'network'> {
  // One send per job at a time: the retry timer, the online event and Submit may meet.
  const running = inFlight.get(d.ticketId);
  if (running) return running;
  const p = sendOnce(api, d).finally(() => inFlight.delete(d.ticketId));
  inFlight.set(d.ticketId, p);
  return p;
}

const inFlight = new Map<string, Promise<TicketView | 'network'>>();

async function sendOnce(api: Api, d: Draft): Promise<TicketView | 'network'> {
  const built = closeOutBody(d);
  if ('problems' in built) throw new Error('incomplete draft');
  try {
    for (const photo of await photosFor(d.ticketId)) {
      await api.addMedia(d.ticketId, photo.blob, photo.name);
      await dropPhoto(photo.key);
    }
    return await api.closeOut(d.ticketId, built.body);
  } catch (err) {
    const e = ApiError.from(err);
    if (e.kind === 'network' || e.kind === 'store_unavailable' || e.kind === 'rate_limited') return 'network';
    if (e.kind === 'illegal_transition') {
      // Perhaps the first try arrived and only its answer was lost: done if the job is closed out.
      const now = await api.ticket(d.ticketId);
      if (alreadyClosedOut(now)) return now;
    }
    throw err;
  }
}

async function resendQueued(api: Api, done: (number: string) => void): Promise<void> {
  if (!navigator.onLine) return;
  const keys = Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i)).filter(
    (k): k is string => k?.startsWith('tech.closeOut.') ?? false,
  );
  for (const key of keys) {
    const d = loadDraft(localStorage, key.slice('tech.closeOut.'.length));
    if (!d?.submitted) continue;
    try {
      const r = await sendDraft(api, d);
      if (r !== 'network') {
        saveDraft(localStorage, null, d.ticketId);
        done(r.number);
      }
    } catch {
      /* left for the technician to see when they open the job */
    }
  }
}

function CloseOutForm(props: {
  t: T;
  api: Api;
  job: TicketView;
  faults: FaultSummary[];
  onDone: (j: TicketView) => void;
  onError: (e: unknown) => void;
}) {
  const { t, api, job } = props;
  const [draft, setDraftState] = useState<Draft>(
    () => loadDraft(localStorage, job.id) ?? emptyDraft(job, minutesSinceArrival(job, Date.now())),
  );
  const [entry, setEntry] = useState<FaultEntry | null>(null);
  const [catalogue, setCatalogue] = useState<PartsResponse['parts']>([]);
  const [partQuery, setPartQuery] = useState('');
  /** Photos picked for this close-out and not yet on the server (kept in IndexedDB). */
  const [photos, setPhotos] = useState<QueuedPhoto[]>([]);
  const refreshPhotos = () => photosFor(job.id).then(setPhotos, () => setPhotos([]));
  const [problems, setProblems] = useState<string[]>([]);
  const [sending, setSending] = useState(false);
  const [queued, setQueued] = useState(draft.submitted);
  const lineFaults = props.faults.filter((f) => f.productLine === job.equipment.productLine);

  const setDraft = (change: Partial<Draft>) =>
    setDraftState((d) => {
      const next = { ...d, ...change };
      saveDraft(localStorage, next, job.id);
      return next;
    });

  useEffect(() => {
    api.parts(job.equipment.productLine).then((r) => setCatalogue(r.parts), props.onError);
    void refreshPhotos();
  }, []);
  useEffect(() => {
    if (!draft.actualFaultId || draft.notInManual) return setEntry(null);
    api.fault(draft.actualFaultId).then(setEntry, () => setEntry(null));
  }, [draft.actualFaultId, draft.notInManual]);

  const chooseFault = (query: string) => {
    const id = faultIdOf(query);
    const known = id && lineFaults.some((f) => f.id === id) ? id : null;
    setDraft({ faultQuery: query, actualFaultId: known, causeId: known === draft.actualFaultId ? draft.causeId : '' });
  };
  const chooseCause = (causeId: string) => {
    const cls = entry?.causes.find((c) => c.id === causeId)?.class;
    setDraft({ causeId, ...(cls ? { rootCauseClass: cls } : {}) });
  };
  const addPart = () => {
    const code = partCodeOf(partQuery);
    if (!code || !catalogue.some((p) => p.code === code)) return setProblems([t('errUnknownPart')]);
    setProblems([]);
    setDraft({
      parts: draft.parts.some((p) => p.code === code)
        ? draft.parts.map((p) => (p.code === code ? { ...p, quantity: p.quantity + 1 } : p))
        : [...draft.parts, { code, quantity: 1 }],
    });
    setPartQuery('');
  };
  const pickPhotos = (input: HTMLInputElement) => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    keepPhotos(job.id, files).then(refreshPhotos, props.onError);
  };

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const built = closeOutBody(draft);
    if ('problems' in built) {
      setProblems(built.problems.map((p) => t(p === 'fault' ? 'errFault' : p === 'work' ? 'errWork' : 'errMinutes')));
      document
        .getElementById(built.problems[0] === 'fault' ? 'co-fault' : built.problems[0] === 'work' ? 'co-work' : 'co-minutes')
        ?.focus();
      return;
    }
    setProblems([]);
    const submitted = { ...draft, submitted: true };
    setDraft(submitted);
    setSending(true);
    try {
      const r = await sendDraft(api, submitted);
      if (r === 'network') {
        setQueued(true);
        return;
      }
      saveDraft(localStorage, null, job.id);
      props.onDone(r);
    } catch (err) {
      setDraft({ submitted: false });
      props.onError(err);
    } finally {
      setSending(false);
      void refreshPhotos();
    }
  };

  const causes = entry?.causes ?? [];
  return (
    <form class="close-out" aria-labelledby="co-title" onSubmit={(e) => void submit(e)} noValidate>
      <h3 id="co-title">{t('closeOut')}</h3>
      {queued && (
        <p class="queued" role="status">
          {t('queued')}
        </p>
      )}
      {problems.length > 0 && (
        <div class="form-problems" role="alert">
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <label for="co-fault">{t('actualFault')}</label>
      <input
        id="co-fault"
        list="co-fault-list"
        value={draft.faultQuery}
        disabled={draft.notInManual}
        aria-describedby="co-fault-help"
        aria-invalid={problems.includes(t('errFault')) ? 'true' : undefined}
        onInput={(e) => chooseFault((e.target as HTMLInputElement).value)}
      />
      <datalist id="co-fault-list">
        {lineFaults.map((f) => (
          <option key={f.id} value={`${f.id} · ${bi(f.title, t.lang)}`} />
        ))}
      </datalist>
      <p id="co-fault-help" class="muted">
        {t('actualFaultHelp')}
      </p>
      <label class="check">
        <input
          type="checkbox"
          checked={draft.notInManual}
          onChange={(e) => setDraft({ notInManual: (e.target as HTMLInputElement).checked })}
        />{' '}
        {t('notInManual')}
      </label>

      {!draft.notInManual && causes.length > 0 && (
        <>
          <label for="co-cause">{t('cause')}</label>
          <select id="co-cause" value={draft.causeId} onChange={(e) => chooseCause((e.target as HTMLSelectElement).value)}>
            <option value="">{t('chooseCause')}</option>
            {causes.map((c) => (
              <option key={c.id} value={c.id}>
                {c.id} · {bi(c.title, t.lang)}
              </option>
            ))}
          </select>
        </>
      )}

      <label for="co-class">{t('rootCause')}</label>
      <select
        id="co-class"
        value={draft.rootCauseClass || 'needs-repair'}
        onChange={(e) => setDraft({ rootCauseClass: (e.target as HTMLSelectElement).value as Draft['rootCauseClass'] })}
      >
        {(['operator-error', 'needs-repair', 'part-replacement'] as const).map((c) => (
          <option key={c} value={c}>
            {t.dynamic(`rc_${c}`)}
          </option>
        ))}
      </select>

      <fieldset>
        <legend>{t('partsUsed')}</legend>
        <label for="co-part">{t('partSearch')}</label>
        <div class="inline">
          <input id="co-part" list="co-part-list" value={partQuery} onInput={(e) => setPartQuery((e.target as HTMLInputElement).value)} />
          <button type="button" class="secondary" onClick={addPart}>
            {t('addPart')}
          </button>
        </div>
        <datalist id="co-part-list">
          {catalogue.map((p) => (
            <option key={p.code} value={`${p.code} · ${bi(p.name, t.lang)}`} />
          ))}
        </datalist>
        <ul class="parts-used">
          {draft.parts.map((p) => (
            <li key={p.code}>
              <span>{p.code}</span>
              <input
                type="number"
                min={1}
                max={1000}
                inputMode="numeric"
                aria-label={t('quantity', { code: p.code })}
                value={p.quantity}
                onInput={(e) =>
                  setDraft({
                    parts: draft.parts.map((x) =>
                      x.code === p.code ? { ...x, quantity: Number((e.target as HTMLInputElement).value) || 0 } : x,
                    ),
                  })
                }
              />
              <button
                type="button"
                class="secondary"
                aria-label={t('removePart', { code: p.code })}
                onClick={() => setDraft({ parts: draft.parts.filter((x) => x.code !== p.code) })}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      </fieldset>

      <label for="co-work">{t('workDone')}</label>
      <textarea
        id="co-work"
        rows={4}
        value={draft.workDone}
        aria-invalid={problems.includes(t('errWork')) ? 'true' : undefined}
        onInput={(e) => setDraft({ workDone: (e.target as HTMLTextAreaElement).value })}
      />

      <label for="co-minutes">{t('minutesOnSite')}</label>
      <input
        id="co-minutes"
        type="number"
        min={0}
        inputMode="numeric"
        value={draft.minutesOnSite}
        aria-invalid={problems.includes(t('errMinutes')) ? 'true' : undefined}
        onInput={(e) => setDraft({ minutesOnSite: (e.target as HTMLInputElement).value })}
      />

      <label for="co-photos">{t('addPhotos')}</label>
      <input
        id="co-photos"
        type="file"
        accept="image/jpeg,image/png,image/heic,image/heif,video/mp4"
        capture="environment"
        multiple
        onChange={(e) => pickPhotos(e.target as HTMLInputElement)}
      />
      {photos.length > 0 && (
        <p class="muted" id="co-photos-pending">
          {`${t.plural('photosPending', photos.length)}: ${photos.map((p) => p.name).join(', ')}`}
        </p>
      )}

      <p class="muted">{t('draftSaved')}</p>
      <button type="submit" class="primary" disabled={sending}>
        {sending ? t('submitting') : t('submit')}
      </button>
    </form>
  );
}

render(<App />, document.body);
