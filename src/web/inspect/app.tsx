import { render } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { TicketView } from '../../api/responses.js';
import { ApiError, type StatusChangeBody } from '../shared/api.js';
import { errorMessage } from '../shared/errors.js';
import type { Translator } from '../shared/i18n.js';
import { FIELD_SESSION, FieldNav } from '../shared/field.js';
import { useAnnouncer, useLanguage, useSession } from '../shared/session.js';
import { Alert, SignIn, StatusRegion, TopBar, useRefState, useSignInThenLoad, type AlertState } from '../shared/ui.js';
import { INSPECT } from './text.js';

/**
 * The technician's inspection page (phone-first): my maintenance work orders, en route
 * and on site, the checklist item by item (pass / fail with what was found / not
 * applicable), what the customer needs, and one submit. The server opens a fault
 * ticket per failed item, idempotently, so a retried submit opens none twice.
 */

type T = Translator<typeof INSPECT.en>;
type Answer = { result?: 'pass' | 'fail' | 'not-applicable'; note: string; down: boolean };
type Item = NonNullable<TicketView['inspection']>['checklist'][number];

function ChecklistItem(props: { t: T; item: Item; answer: Answer; onChange: (a: Answer) => void }) {
  const { t, item, answer } = props;
  const lang = t.lang;
  const name = `r-${item.id}`;
  const choice = (value: Answer['result'], label: string) => (
    <label>
      <input
        type="radio"
        name={name}
        value={value}
        checked={answer.result === value}
        onChange={() => props.onChange({ ...answer, result: value })}
      />
      {label}
    </label>
  );
  return (
    <div class="item" data-item={item.id}>
      <h3 id={`h-${item.id}`}>
        {item.id} {item.title[lang]}
      </h3>
      {item.by === 'technician' && <p class="by-tech">{t('byTech')}</p>}
      <p>{t('how', { text: item.how[lang] })}</p>
      <p>{t('passIf', { text: item.pass[lang] })}</p>
      <div class="choices" role="radiogroup" aria-labelledby={`h-${item.id}`}>
        {choice('pass', t('pass'))}
        {choice('fail', t('fail'))}
        {choice('not-applicable', t('na'))}
      </div>
      {answer.result === 'fail' && (
        <div class="fail-box">
          <label for={`note-${item.id}`}>{t('found', { item: item.id })}</label>
          <textarea
            id={`note-${item.id}`}
            maxLength={2000}
            rows={2}
            value={answer.note}
            onInput={(e) => props.onChange({ ...answer, note: (e.target as HTMLTextAreaElement).value })}
          />
          <label>
            <input
              type="checkbox"
              id={`down-${item.id}`}
              checked={answer.down}
              onChange={(e) => props.onChange({ ...answer, down: (e.target as HTMLInputElement).checked })}
            />
            {t('machineDown')}
          </label>
        </div>
      )}
    </div>
  );
}

function App() {
  const { t, toggle } = useLanguage(INSPECT, (tt) => tt('pageTitle'));
  const session = useSession(FIELD_SESSION, ['technician', 'admin']);
  const { api } = session;
  const [status, announce] = useAnnouncer();
  const keyInput = useRef<HTMLInputElement>(null);
  const [alert, setAlert] = useRefState<AlertState | null>(null);
  const [jobs, setJobs] = useState<TicketView[]>([]);
  const [job, setJob] = useState<TicketView | null>(null);
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [customer, setCustomer] = useState({
    hours: '',
    engine: '',
    months: [] as number[],
    training: 'not-needed',
    satisfaction: '5',
    needs: '',
    minutes: '',
  });
  const [busy, setBusy] = useState(false);

  const fail = (err: unknown) => {
    const e = ApiError.from(err);
    setAlert({ message: errorMessage(t, e), issues: e.issues, source: 'action' });
  };

  async function loadJobs() {
    try {
      const list = await api.tickets(new URLSearchParams({ status: 'open', sort: 'due' }));
      setJobs(list.tickets.filter((tk) => tk.kind === 'maintenance'));
      setJob(null);
    } catch (err) {
      fail(err);
    }
  }

  async function open(id: string) {
    try {
      const tk = await api.ticket(id);
      setJob(tk);
      setAnswers(Object.fromEntries(tk.inspection!.checklist.map((c) => [c.id, { note: '', down: false }])));
      setAlert(null);
    } catch (err) {
      fail(err);
    }
  }

  async function move(to: StatusChangeBody['status']) {
    if (!job) return;
    try {
      setJob(await api.changeStatus(job.id, { status: to, expectedVersion: job.version }));
    } catch (err) {
      fail(err);
    }
  }

  async function submit(ev: Event) {
    ev.preventDefault();
    if (!job) return;
    const checklist = job.inspection!.checklist;
    const open = checklist.filter((c) => !answers[c.id]?.result);
    if (open.length) return setAlert({ message: t('answerAll', { n: open.length }), source: 'form' });
    const missingNote = checklist.find((c) => answers[c.id]!.result === 'fail' && !answers[c.id]!.note.trim());
    if (missingNote) return setAlert({ message: t('needNote', { item: missingNote.id }), source: 'form' });
    const minutes = Number(customer.minutes);
    if (customer.minutes === '' || !Number.isInteger(minutes)) return setAlert({ message: t('needMinutes'), source: 'form' });
    const num = (v: string) => (v === '' ? undefined : Number(v));
    const body = {
      items: checklist.map((c) => {
        const a = answers[c.id]!;
        return a.result === 'fail'
          ? { id: c.id, result: a.result, note: a.note.trim(), machineDown: a.down }
          : { id: c.id, result: a.result };
      }),
      customer: {
        hoursPerDay: num(customer.hours),
        engineHours: num(customer.engine),
        peakMonths: customer.months,
        operatorTraining: customer.training,
        satisfaction: Number(customer.satisfaction),
        needs: customer.needs.trim() || undefined,
      },
      minutesOnSite: minutes,
    };
    setBusy(true);
    try {
      const done = await api.request<TicketView>(`/api/inspections/${encodeURIComponent(job.id)}/result`, { method: 'POST', body });
      setJob(done);
      setAlert(null);
      announce(t('doneTitle'));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  const signIn = useSignInThenLoad({ t, session, setAlert, roleMessage: (role) => t('errRole', { role }), load: loadJobs, onError: fail });

  const signedIn = session.key !== null;
  const lang = t.lang;
  const result = job?.inspection?.result;
  return (
    <>
      <TopBar
        t={t}
        title={t('pageTitle')}
        me={session.me}
        signedIn={signedIn}
        onToggleLang={toggle}
        onSignOut={() => (session.signOut(), setJobs([]), setJob(null))}
      />
      {signedIn && <FieldNav t={t} current="inspections" counts={{ inspections: jobs.length }} />}
      <Alert t={t} alert={alert} onDismiss={() => setAlert(null)} />
      <StatusRegion message={status} />
      <main id="main" tabIndex={-1}>
        <SignIn
          t={t}
          hidden={signedIn}
          help={t('apiKeyHelp')}
          inputRef={keyInput}
          submit={signIn}
          onEmpty={() => setAlert({ message: t('errKeyRequired'), source: 'signin' })}
        />
        <section id="jobs" hidden={!signedIn || job !== null} aria-labelledby="jobs-title">
          <h2 id="jobs-title">{t('jobs')}</h2>
          {jobs.length === 0 ? (
            <p class="empty">{t('noJobs')}</p>
          ) : (
            <ul class="job-list">
              {jobs.map((j) => (
                <li key={j.id}>
                  <button type="button" class="job" onClick={() => void open(j.id)}>
                    {`${j.inspection!.dueOn} · ${j.equipment.model ?? ''} ${j.equipment.serial ?? ''} · ${j.customer.name} · ${t.dynamic(`st_${j.status}`)}`}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
        {job && (
          <section id="job" aria-labelledby="job-title">
            <button type="button" class="link" onClick={() => void loadJobs()}>
              {t('back')}
            </button>
            <h2 id="job-title">{t('due', { number: job.number, day: job.inspection!.dueOn })}</h2>
            <p class="muted">{`${job.equipment.model ?? ''} ${job.equipment.serial ?? ''} · ${job.customer.name} · ${job.customer.site.address}`}</p>
            <ul class="reasons">
              {job.inspection!.reasons.map((r, i) => (
                <li key={i}>{r[lang]}</li>
              ))}
            </ul>
            {job.inspection!.reservedParts.length > 0 && (
              <p class="muted">{t('parts', { parts: job.inspection!.reservedParts.join(', ') })}</p>
            )}
            <div class="row" hidden={Boolean(result)}>
              {job.allowed.statuses.includes('en_route') && (
                <button type="button" id="go-en-route" onClick={() => void move('en_route')}>
                  {t('enRoute')}
                </button>
              )}
              {job.allowed.statuses.includes('on_site') && !result && (
                <button type="button" id="go-on-site" onClick={() => void move('on_site')}>
                  {t('onSite')}
                </button>
              )}
            </div>
            {result ? (
              <div id="done">
                <h3>{t('doneTitle')}</h3>
                <ul id="done-list">
                  {result.items.some((i) => i.faultTicket) ? (
                    result.items
                      .filter((i) => i.faultTicket)
                      .map((i) => <li key={i.id}>{t('faultOpened', { item: i.id, number: i.faultTicket!.number })}</li>)
                  ) : (
                    <li>{t('allPassed')}</li>
                  )}
                </ul>
              </div>
            ) : (
              job.allowed.inspectionResult && (
                <form id="result-form" noValidate onSubmit={(e) => void submit(e)}>
                  <fieldset>
                    <legend>{t('checklist')}</legend>
                    {job.inspection!.checklist.map((c) => (
                      <ChecklistItem
                        key={c.id}
                        t={t}
                        item={c}
                        answer={answers[c.id] ?? { note: '', down: false }}
                        onChange={(a) => setAnswers({ ...answers, [c.id]: a })}
                      />
                    ))}
                  </fieldset>
                  <fieldset>
                    <legend>{t('customerTitle')}</legend>
                    <label for="c-hours">{t('hoursPerDay')}</label>
                    <input
                      id="c-hours"
                      type="number"
                      min={0}
                      max={24}
                      inputMode="decimal"
                      value={customer.hours}
                      onInput={(e) => setCustomer({ ...customer, hours: (e.target as HTMLInputElement).value })}
                    />
                    <label for="c-engine">{t('engineHours')}</label>
                    <input
                      id="c-engine"
                      type="number"
                      min={0}
                      inputMode="numeric"
                      value={customer.engine}
                      onInput={(e) => setCustomer({ ...customer, engine: (e.target as HTMLInputElement).value })}
                    />
                    <fieldset class="months">
                      <legend>{t('peakMonths')}</legend>
                      <div class="month-grid">
                        {Array.from({ length: 12 }, (_, i) => i + 1).map((m) => (
                          <label key={m}>
                            <input
                              type="checkbox"
                              name="peak"
                              value={String(m)}
                              checked={customer.months.includes(m)}
                              onChange={(e) =>
                                setCustomer({
                                  ...customer,
                                  months: (e.target as HTMLInputElement).checked
                                    ? [...customer.months, m]
                                    : customer.months.filter((x) => x !== m),
                                })
                              }
                            />
                            {t('month', { m })}
                          </label>
                        ))}
                      </div>
                    </fieldset>
                    <label for="c-training">{t('training')}</label>
                    <select
                      id="c-training"
                      value={customer.training}
                      onChange={(e) => setCustomer({ ...customer, training: (e.target as HTMLSelectElement).value })}
                    >
                      <option value="not-needed">{t('trainingNo')}</option>
                      <option value="wanted">{t('trainingWanted')}</option>
                      <option value="given">{t('trainingGiven')}</option>
                    </select>
                    <label for="c-satisfaction">{t('satisfaction')}</label>
                    <select
                      id="c-satisfaction"
                      value={customer.satisfaction}
                      onChange={(e) => setCustomer({ ...customer, satisfaction: (e.target as HTMLSelectElement).value })}
                    >
                      {['5', '4', '3', '2', '1'].map((v) => (
                        <option key={v}>{v}</option>
                      ))}
                    </select>
                    <label for="c-needs">{t('needs')}</label>
                    <textarea
                      id="c-needs"
                      maxLength={2000}
                      rows={3}
                      value={customer.needs}
                      onInput={(e) => setCustomer({ ...customer, needs: (e.target as HTMLTextAreaElement).value })}
                    />
                    <label for="c-minutes">{t('minutes')}</label>
                    <input
                      id="c-minutes"
                      type="number"
                      min={0}
                      required
                      inputMode="numeric"
                      value={customer.minutes}
                      onInput={(e) => setCustomer({ ...customer, minutes: (e.target as HTMLInputElement).value })}
                    />
                  </fieldset>
                  <button type="submit" id="submit" disabled={busy}>
                    {t('submit')}
                  </button>
                </form>
              )
            )}
          </section>
        )}
      </main>
    </>
  );
}

render(<App />, document.body);
