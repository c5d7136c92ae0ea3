import type { ClockViewBody, FaultSummary, TicketView } from '../../api/responses.js';
import { dateTime, duration, longDateTime, shortDateTime } from '../shared/format.js';
import { bi } from '../shared/manual.js';
import { useSecondTick } from '../shared/ui.js';
import { liveClock, STATE_MARK } from './logic.js';
import type { BoardT } from './app.js';

/** Small pieces the list and the details share: times, clocks, fault labels, status badges. */

export function Time(props: { t: BoardT; iso: string; short?: boolean }) {
  return (
    <time dateTime={props.iso} title={longDateTime(props.iso, props.t.lang)}>
      {props.short ? shortDateTime(props.iso) : dateTime(props.iso)}
    </time>
  );
}

/** A clock's state badge and, while pending, its countdown by the server's clock; repainted every second. */
export function Clock(props: { t: BoardT; clock: ClockViewBody; ticket: TicketView; skewMs: number; withName?: boolean }) {
  useSecondTick();
  const { t, clock } = props;
  const live = liveClock(clock, props.ticket, Date.now() + props.skewMs);
  const countdown =
    live.remainingMs === undefined
      ? clock.metAt
        ? t('metAt', { at: dateTime(clock.metAt) })
        : ''
      : live.remainingMs < 0
        ? t('overdueBy', { t: duration(live.remainingMs, t.lang) })
        : t('left', { t: duration(live.remainingMs, t.lang) });
  return (
    <span class={props.withName ? 'sla-cell sla-cell-list' : 'sla-cell'}>
      {props.withName && <span class="sla-name">{t(`clock_${clock.name}`)}</span>}
      <span class={`sla-badge sla-${live.state}`}>{`${STATE_MARK[live.state]} ${t(`state_${live.state}`)}`}</span>
      <span class="countdown">{countdown}</span>
    </span>
  );
}

export function StatusBadge(props: { t: BoardT; status: string }) {
  return <span class={`status-badge status-${props.status}`}>{props.t.dynamic(`st_${props.status}`)}</span>;
}

/** "PT-H01 Boom does not move …": the id, then the manual's title once the fault list has loaded. */
export function FaultLabel(props: { t: BoardT; id: string; faults: ReadonlyMap<string, FaultSummary>; class: string; suffix?: string }) {
  const title = props.faults.get(props.id)?.title;
  const text = title ? bi(title, props.t.lang) : '';
  const fallback = title && !title[props.t.lang];
  return (
    <span class={props.class}>
      <span class="fault-id">{props.id}</span>
      {text && (
        <>
          {' '}
          <span class="fault-title" lang={fallback ? 'en' : undefined}>
            {text}
          </span>
        </>
      )}
      {props.suffix && <span class="fault-confidence muted">{props.suffix}</span>}
    </span>
  );
}
