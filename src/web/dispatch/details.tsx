import type { ComponentChildren } from 'preact';
import type { FaultSummary, MeResponse, ProductLineSummary, TicketView } from '../../api/responses.js';
import { lineLabel } from '../shared/manual.js';
import { actionKey, dialable } from './logic.js';
import { Clock, FaultLabel, StatusBadge, Time } from './parts.js';
import type { BoardT } from './app.js';
import type { Api } from '../shared/api.js';
import { FieldExtras } from './field.js';

const ASSIGNERS: readonly string[] = ['dispatcher', 'admin'];

/**
 * The right pane: one ticket's actions (assign, the status changes the server allows
 * this key), SLA clocks, the job, the operator's words, the steps tried, the history.
 * User text is rendered as text.
 */
export function TicketDetails(props: {
  t: BoardT;
  me: MeResponse | null;
  ticket: TicketView | null;
  lines: readonly ProductLineSummary[];
  faults: ReadonlyMap<string, FaultSummary>;
  skewMs: number;
  busy: boolean;
  confirmingCancel: boolean;
  assignTo: string;
  assignInvalid: boolean;
  note: string;
  onAssignTo: (v: string) => void;
  onNote: (v: string) => void;
  onAssign: () => void;
  onStatus: (to: TicketView['status']) => void;
  api: Api;
  onError: (e: unknown) => void;
}) {
  const { t, ticket } = props;
  return (
    <section id="details" class="pane details-pane" aria-labelledby="details-title" aria-busy={props.busy ? 'true' : 'false'}>
      <h2 id="details-title" tabIndex={-1}>
        {t('details')}
      </h2>
      <p id="details-empty" class="empty" hidden={ticket !== null}>
        {t('detailsEmpty')}
      </p>
      <div id="details-body" hidden={ticket === null}>
        {ticket && <Body {...props} ticket={ticket} />}
      </div>
    </section>
  );
}

function Body(props: Parameters<typeof TicketDetails>[0] & { ticket: TicketView }) {
  const { t, ticket } = props;
  const mayAssign = props.me !== null && ASSIGNERS.includes(props.me.role);
  const canAssign = mayAssign && ticket.allowed.assign;
  const targets = ticket.allowed.statuses;
  const status = (s: string) => t.dynamic(`st_${s}`);
  return (
    <>
      <div class="details-head">
        <p class="ticket-number" id="d-number">
          {ticket.number}
        </p>
        <p>
          <span id="d-status">
            <StatusBadge t={t} status={ticket.status} />
          </span>{' '}
          <span id="d-down" class="down-badge" hidden={!ticket.machineDown}>
            {t('machineDown')}
          </span>
        </p>
      </div>

      <section class="actions" aria-labelledby="actions-title">
        <h3 id="actions-title">{t('actions')}</h3>
        <form
          id="assign-form"
          class="assign-form"
          noValidate
          hidden={!mayAssign}
          onSubmit={(ev) => {
            ev.preventDefault();
            props.onAssign();
          }}
        >
          <label for="assign-tech">{t('assignLabel')}</label>
          <div class="inline">
            <input
              id="assign-tech"
              name="technicianId"
              type="text"
              maxLength={100}
              autocomplete="off"
              spellcheck={false}
              placeholder="T-07"
              disabled={!canAssign || props.busy}
              title={canAssign || !mayAssign ? '' : t('cannotAssign', { status: status(ticket.status) })}
              aria-invalid={props.assignInvalid ? 'true' : undefined}
              value={props.assignTo}
              onInput={(ev) => props.onAssignTo(ev.currentTarget.value)}
            />
            <button type="submit" id="assign-button" disabled={!canAssign || props.busy}>
              {ticket.technicianId ? t('reassign') : t('assign')}
            </button>
          </div>
        </form>
        {/* The note goes with an action: without any, there is nothing to note. */}
        <div id="note-field" class="note-field" hidden={!mayAssign && targets.length === 0}>
          <label for="action-note">{t('noteLabel')}</label>
          <textarea id="action-note" rows={2} maxLength={2000} value={props.note} onInput={(ev) => props.onNote(ev.currentTarget.value)} />
        </div>
        <div id="status-buttons" class="status-buttons" role="group" aria-labelledby="status-buttons-label" hidden={targets.length === 0}>
          <span id="status-buttons-label" class="group-label">
            {t('setStatus')}
          </span>
          {targets.map((to) => (
            <button
              key={to}
              type="button"
              class={to === 'cancelled' ? 'danger' : ''}
              data-status={to}
              disabled={props.busy}
              onClick={() => props.onStatus(to)}
            >
              {t.dynamic(actionKey(ticket.status, to, props.confirmingCancel))}
            </button>
          ))}
        </div>
        <p id="no-status-actions" class="help" hidden={targets.length > 0}>
          {t('noStatusActions')}
        </p>
        {/* The technician on the job works it on the phone view: the close-out form is there. */}
        {props.me?.role === 'technician' &&
          ticket.technicianId === props.me.technicianId &&
          ['assigned', 'en_route', 'on_site'].includes(ticket.status) && (
            <p>
              <a id="tech-job-link" href={`/tech?job=${encodeURIComponent(ticket.id)}`}>
                {ticket.status === 'on_site' ? t('techCloseOut') : t('techOpenJob')}
              </a>
            </p>
          )}
        <FieldExtras t={t} api={props.api} me={props.me} ticket={ticket} onPick={props.onAssignTo} onError={props.onError} />
      </section>

      <section aria-labelledby="sla-title">
        <h3 id="sla-title">{t('slaTitle')}</h3>
        <table class="sla-table">
          <thead>
            <tr>
              <th scope="col">{t('colClock')}</th>
              <th scope="col">{t('colDue')}</th>
              <th scope="col">{t('colState')}</th>
            </tr>
          </thead>
          <tbody id="d-sla">
            {ticket.slaStatus.map((clock) => (
              <tr key={clock.name}>
                <th scope="row">{t(`clock_${clock.name}`)}</th>
                <td>
                  <Time t={t} iso={clock.dueAt} />
                </td>
                <td>
                  <Clock t={t} clock={clock} ticket={ticket} skewMs={props.skewMs} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="job-title">
        <h3 id="job-title">{t('jobTitle')}</h3>
        <dl class="facts" id="d-facts">
          <Facts {...props} />
        </dl>
      </section>

      <section aria-labelledby="words-title">
        <h3 id="words-title">{t('wordsTitle')}</h3>
        <blockquote id="d-words" class="words">
          {ticket.operatorWords}
        </blockquote>
      </section>

      <section aria-labelledby="steps-title">
        <h3 id="steps-title">{t('stepsTitle')}</h3>
        <ol id="d-steps" class="steps">
          {ticket.stepsTried.map((s, i) => (
            <li key={i}>
              <span class="step-text">{s.step}</span>
              <span class={`step-result result-${s.result}`}>{t(`res_${s.result}`)}</span>
              {s.faultId && <span class="muted">{`${s.faultId}${s.causeId ? ` / ${s.causeId}` : ''}`}</span>}
            </li>
          ))}
        </ol>
        <p id="d-steps-none" class="help" hidden={ticket.stepsTried.length > 0}>
          {t('none')}
        </p>
      </section>

      <section aria-labelledby="history-title">
        <h3 id="history-title">{t('historyTitle')}</h3>
        <ol id="d-history" class="history" reversed>
          {[...ticket.history].reverse().map((h, i) => {
            let what = h.action === 'assigned' ? t('h_assigned', { tech: h.technicianId ?? '' }) : t(`h_${h.action}`);
            if (h.from || h.to) what += ` (${h.from ? `${status(h.from)} → ` : ''}${h.to ? status(h.to) : ''})`;
            return (
              <li key={ticket.history.length - i}>
                <Time t={t} iso={h.at} />
                <span class="history-what">{what}</span>
                <span class="history-actor muted">{h.actor}</span>
                {h.note && <span class="history-note">{`“${h.note}”`}</span>}
              </li>
            );
          })}
        </ol>
      </section>
    </>
  );
}

function Facts(props: { t: BoardT; ticket: TicketView; lines: readonly ProductLineSummary[]; faults: ReadonlyMap<string, FaultSummary> }) {
  const { t, ticket } = props;
  const rows: [string, ComponentChildren][] = [];
  const fact = (label: string, value: ComponentChildren) => {
    if (value !== undefined && value !== null && value !== '') rows.push([label, value]);
  };
  const site = ticket.customer.site;
  fact(t('f_customer'), ticket.customer.name);
  fact(t('f_site'), site.address);
  if (typeof site.lat === 'number' && typeof site.lon === 'number') fact(t('f_coords'), `${site.lat}, ${site.lon}`);
  fact(t('f_contact'), ticket.contact.name);
  const phone = ticket.contact.phone;
  fact(t('f_phone'), dialable(phone) ? <a href={`tel:${phone}`}>{phone}</a> : phone);
  const eq = ticket.equipment;
  fact(t('f_equipment'), [lineLabel(t, props.lines, eq.productLine), eq.model].filter(Boolean).join(' · '));
  fact(t('f_serial'), eq.serial);
  fact(
    t('f_faults'),
    ticket.faults.length ? (
      <ul class="fault-list">
        {ticket.faults.map((f) => (
          <li key={f.id}>
            <FaultLabel
              t={t}
              id={f.id}
              faults={props.faults}
              class="fault"
              suffix={typeof f.confidence === 'number' ? ` (${Math.round(f.confidence * 100)} %)` : ''}
            />
          </li>
        ))}
      </ul>
    ) : (
      '—'
    ),
  );
  fact(t('f_grade'), ticket.grade ?? '—');
  fact(t('f_workload'), ticket.workloadCoefficient ?? '—');
  fact(t('f_parts'), ticket.likelyParts.join(', ') || '—');
  fact(t('f_tier'), ticket.serviceTier);
  fact(t('f_technician'), ticket.technicianId ?? t('unassigned'));
  fact(t('f_source'), [ticket.source, ticket.reference].filter(Boolean).join(' · '));
  fact(t('f_created'), <Time t={t} iso={ticket.createdAt} />);
  fact(t('f_updated'), <Time t={t} iso={ticket.updatedAt} />);
  fact(t('f_version'), ticket.version);
  const co = ticket.closeOut;
  if (co) {
    const actualTitle = co.actualFaultId ? props.faults.get(co.actualFaultId)?.title : undefined;
    const actual = co.actualFaultId ? `${co.actualFaultId}${actualTitle ? ` ${actualTitle[t.lang] || actualTitle.en}` : ''}` : '—';
    const parts = co.partsUsed.map((p) => `${p.code} × ${p.quantity}`).join(', ');
    fact(t('f_closeout'), [actual, co.rootCauseClass, co.grade, co.workDone, `${co.minutesOnSite} min`, parts].filter(Boolean).join(' · '));
  }
  return <>{rows.map(([label, value]) => [<dt key={`t${label}`}>{label}</dt>, <dd key={`d${label}`}>{value}</dd>])}</>;
}
