import type { FaultSummary, ProductLineSummary, TicketView } from '../../api/responses.js';
import { TRANSITIONS } from '../../tickets/lifecycle.js';
import { lineLabel } from '../shared/manual.js';
import { LineOptions } from '../shared/ui.js';
import { nextClock, type Filters } from './logic.js';
import { Clock, FaultLabel, StatusBadge, Time } from './parts.js';
import type { BoardT } from './app.js';

/** The left pane: filters and the tickets, most urgent deadline first. Rows are keyed by ticket id. */
export function TicketList(props: {
  t: BoardT;
  lines: readonly ProductLineSummary[];
  faults: ReadonlyMap<string, FaultSummary>;
  filters: Filters;
  technicianFilter: boolean;
  tickets: readonly TicketView[];
  truncated: boolean;
  loading: boolean;
  selectedId: string | null;
  skewMs: number;
  onFilters: (f: Partial<Filters>, now?: boolean) => void;
  onApply: () => void;
  onRefresh: () => void;
  onSelect: (id: string) => void;
}) {
  const { t, filters } = props;
  const n = props.tickets.length;
  return (
    <section class="pane list-pane" aria-labelledby="list-title">
      <div class="list-head">
        <h2 id="list-title">{t('openTickets')}</h2>
        <p id="list-count" class="count">
          {t.plural('count', n) + (props.truncated ? ` (${t('truncated', { n })})` : '')}
        </p>
      </div>
      <form
        id="filters"
        class="filters"
        noValidate
        onSubmit={(ev) => {
          ev.preventDefault();
          props.onApply();
        }}
      >
        <div class="field field-search">
          <label for="f-q">{t('fSearch')}</label>
          <input
            id="f-q"
            name="q"
            type="search"
            maxLength={200}
            autocomplete="off"
            spellcheck={false}
            aria-describedby="f-q-help"
            value={filters.q}
            onInput={(ev) => props.onFilters({ q: ev.currentTarget.value })}
          />
          <span id="f-q-help" class="visually-hidden">
            {t('fSearchHelp')}
          </span>
        </div>
        <div class="field">
          <label for="f-status">{t('fStatus')}</label>
          <select
            id="f-status"
            name="status"
            value={filters.status}
            onChange={(ev) => props.onFilters({ status: ev.currentTarget.value }, true)}
          >
            <option value="open">{t('optOpen')}</option>
            {/* The statuses of the lifecycle itself (src/tickets/lifecycle.ts), in its order. */}
            {Object.keys(TRANSITIONS).map((s) => (
              <option key={s} value={s}>
                {t.dynamic(`st_${s}`)}
              </option>
            ))}
            <option value="">{t('optAll')}</option>
          </select>
        </div>
        <div class="field">
          <label for="f-line">{t('fLine')}</label>
          <select
            id="f-line"
            name="productLine"
            value={filters.productLine}
            onChange={(ev) => props.onFilters({ productLine: ev.currentTarget.value }, true)}
          >
            <LineOptions t={t} lines={props.lines} first={t('optAllLines')} />
          </select>
        </div>
        <div class="field" id="f-tech-field" hidden={!props.technicianFilter}>
          <label for="f-tech">{t('fTech')}</label>
          <input
            id="f-tech"
            name="technician"
            type="text"
            maxLength={100}
            autocomplete="off"
            spellcheck={false}
            placeholder="T-07"
            value={filters.technician}
            onInput={(ev) => props.onFilters({ technician: ev.currentTarget.value })}
          />
        </div>
        <div class="field field-check">
          <input
            id="f-overdue"
            name="overdue"
            type="checkbox"
            checked={filters.overdue}
            onChange={(ev) => props.onFilters({ overdue: ev.currentTarget.checked }, true)}
          />
          <label for="f-overdue">{t('fOverdue')}</label>
        </div>
        <div class="field field-check">
          <input
            id="f-down"
            name="down"
            type="checkbox"
            checked={filters.down}
            onChange={(ev) => props.onFilters({ down: ev.currentTarget.checked }, true)}
          />
          <label for="f-down">{t('fDown')}</label>
        </div>
        <div class="field field-buttons">
          <button type="submit">{t('apply')}</button>
          <button type="button" id="refresh" class="secondary" onClick={props.onRefresh}>
            {t('refresh')}
          </button>
        </div>
      </form>
      <div class="table-wrap">
        <table id="tickets" class="tickets" aria-busy={props.loading ? 'true' : undefined}>
          <caption class="visually-hidden">{t('tableCaption')}</caption>
          <thead>
            <tr>
              {(
                ['colNumber', 'colLine', 'colModel', 'colFaults', 'colDown', 'colStatus', 'colTech', 'colNextSla', 'colCreated'] as const
              ).map((k) => (
                <th key={k} scope="col">
                  {t(k)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody id="ticket-rows">
            {props.tickets.map((ticket) => (
              <Row key={ticket.id} {...props} ticket={ticket} selected={ticket.id === props.selectedId} />
            ))}
          </tbody>
        </table>
        <p id="empty" class="empty" hidden={n > 0}>
          {t('empty')}
        </p>
      </div>
    </section>
  );
}

function Row(props: {
  t: BoardT;
  lines: readonly ProductLineSummary[];
  faults: ReadonlyMap<string, FaultSummary>;
  ticket: TicketView;
  selected: boolean;
  skewMs: number;
  onSelect: (id: string) => void;
}) {
  const { t, ticket } = props;
  const clock = nextClock(ticket);
  return (
    // The whole row is a convenience click target for the mouse; the button is the accessible control.
    <tr
      class={props.selected ? 'selected' : ''}
      data-id={ticket.id}
      onClick={(ev) => {
        if (!(ev.target instanceof Element && ev.target.closest('button'))) props.onSelect(ticket.id);
      }}
    >
      <th scope="row">
        <button
          type="button"
          class="ticket-link"
          aria-current={props.selected ? 'true' : undefined}
          onClick={() => props.onSelect(ticket.id)}
        >
          {ticket.number}
        </button>
      </th>
      {/* data-label: on a phone the row is a card and each cell says what it is (style.css). */}
      <td class="cell-line" data-label={t('colLine')} title={lineLabel(t, props.lines, ticket.equipment.productLine)}>
        {ticket.equipment.productLine}
      </td>
      <td class="model" data-label={t('colModel')}>
        {ticket.equipment.model ?? '—'}
      </td>
      <td class="faults" data-label={t('colFaults')}>
        {ticket.faults.length
          ? ticket.faults.map((f) => <FaultLabel key={f.id} t={t} id={f.id} faults={props.faults} class="fault" />)
          : '—'}
      </td>
      <td class="cell-down" data-label={t('colDown')}>
        {ticket.machineDown ? <span class="down-badge">{t('downYes')}</span> : <span class="muted">{t('downNo')}</span>}
      </td>
      <td class="cell-status" data-label={t('colStatus')}>
        <StatusBadge t={t} status={ticket.status} />
      </td>
      <td class="cell-tech" data-label={t('colTech')}>
        {ticket.technicianId ?? t('unassigned')}
      </td>
      <td class="next-sla" data-label={t('colNextSla')}>
        {clock ? (
          <Clock t={t} clock={clock} ticket={ticket} skewMs={props.skewMs} withName />
        ) : (
          <span class="muted">{t('noDeadline')}</span>
        )}
      </td>
      <td class="created" data-label={t('colCreated')}>
        <Time t={t} iso={ticket.createdAt} short />
      </td>
    </tr>
  );
}
