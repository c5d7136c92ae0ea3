import type { ClockViewBody, MeResponse, TicketView } from '../../api/responses.js';
import { TRANSITIONS } from '../../tickets/lifecycle.js';
import { clockStates, type ClockState } from '../../tickets/sla.js';

/**
 * The dispatch board's rules, apart from the page: the live state of an SLA clock (the
 * server's own rule, src/tickets/sla.ts, imported, not copied), what is most urgent,
 * the list query. Pure (no DOM).
 */

export const LIST_LIMIT = 500; // the API's maximum; with sort=priority the server keeps the most urgent 500

export interface LiveClock {
  state: ClockState;
  /** Milliseconds left (negative when overdue); absent once met or not applicable. */
  remainingMs?: number;
}

/**
 * A clock's state at `now` (the server's clock), by the server's rule. The ticket's
 * clocks as the API showed them (`slaStatus`) are the ones judged, so the board and
 * the API can never disagree about a deadline.
 */
export function liveClock(
  clock: ClockViewBody,
  ticket: Pick<TicketView, 'createdAt' | 'status' | 'sla' | 'slaStatus'>,
  now: number,
): LiveClock {
  if (clock.state === 'not-applicable') return { state: clock.state };
  const [live] = clockStates(
    { createdAt: ticket.createdAt, status: ticket.status, sla: { clocks: [clock], atRiskFraction: ticket.sla.atRiskFraction } },
    new Date(now),
  );
  return live!.remainingMs === undefined ? { state: live!.state } : { state: live!.state, remainingMs: live!.remainingMs };
}

/** The earliest clock not yet met: what the board sorts by and shows in the list. */
export function nextClock(ticket: Pick<TicketView, 'status' | 'slaStatus'>): ClockViewBody | null {
  if (TRANSITIONS[ticket.status].length === 0) return null; // closed or cancelled: nothing is due
  const pending = ticket.slaStatus.filter((c) => !c.metAt && c.state !== 'not-applicable');
  pending.sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  return pending[0] ?? null;
}

/**
 * Machines that are down first (while the ticket is open), then the most urgent unmet
 * deadline, then by number. The server answers in this order (sort=priority); sorting
 * again keeps it right after a local change.
 */
export function sortByUrgency<T extends Pick<TicketView, 'status' | 'slaStatus' | 'number' | 'machineDown'>>(tickets: readonly T[]): T[] {
  const due = (t: T) => {
    const c = nextClock(t);
    return c ? Date.parse(c.dueAt) : Number.POSITIVE_INFINITY;
  };
  const down = (t: T) => (t.machineDown && TRANSITIONS[t.status].length > 0 ? 0 : 1);
  return [...tickets].sort((a, b) => down(a) - down(b) || due(a) - due(b) || a.number.localeCompare(b.number));
}

export interface Filters {
  /** Ticket number, phone, customer, site or serial (the server searches). */
  q: string;
  status: string;
  productLine: string;
  technician: string;
  overdue: boolean;
  /** Machines that are down only. */
  down: boolean;
}

export const DEFAULT_FILTERS: Filters = { q: '', status: 'open', productLine: '', technician: '', overdue: false, down: false };

/** The filters in the page's URL (`/dispatch?q=…&status=…`), so a view can be reloaded, bookmarked or sent. */
export function filtersToSearch(f: Filters): string {
  const q = new URLSearchParams();
  if (f.q.trim()) q.set('q', f.q.trim());
  if (f.status !== DEFAULT_FILTERS.status) q.set('status', f.status || 'all');
  if (f.productLine) q.set('line', f.productLine);
  if (f.technician.trim()) q.set('tech', f.technician.trim());
  if (f.overdue) q.set('overdue', '1');
  if (f.down) q.set('down', '1');
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function filtersFromSearch(search: string): Filters {
  const q = new URLSearchParams(search);
  const status = q.get('status');
  return {
    q: (q.get('q') ?? '').slice(0, 200),
    status: status === null ? DEFAULT_FILTERS.status : status === 'all' ? '' : status,
    productLine: q.get('line') ?? '',
    technician: (q.get('tech') ?? '').slice(0, 100),
    overdue: q.get('overdue') === '1',
    down: q.get('down') === '1',
  };
}

/** GET /api/tickets for the filters; a technician's list is scoped by the server, so no technician filter. */
export function listQuery(f: Filters, me: MeResponse | null): URLSearchParams {
  const q = new URLSearchParams();
  if (f.q.trim()) q.set('q', f.q.trim());
  if (f.status) q.set('status', f.status);
  if (f.productLine) q.set('productLine', f.productLine);
  if (f.technician.trim() && me?.role !== 'technician') q.set('technician', f.technician.trim());
  if (f.overdue) q.set('overdue', 'true');
  if (f.down) q.set('down', 'true');
  // Down machines and the most urgent unmet deadlines first, so that the limit drops the least urgent tickets.
  q.set('sort', 'priority');
  q.set('limit', String(LIST_LIMIT));
  return q;
}

export const STATE_MARK: Record<ClockState, string> = {
  'on-track': '●',
  'at-risk': '▲',
  breached: '✖',
  met: '✔',
  'met-late': '✔',
  'not-applicable': '–',
};

/** Which words a status button shows. */
export function actionKey(from: string, to: string, confirmingCancel: boolean): string {
  if (to === 'on_site' && from === 'resolved') return 'act_on_site_reopen';
  if (to === 'cancelled' && confirmingCancel) return 'act_cancelled_confirm';
  return `act_${to}`;
}

/** A phone number safe to put in a tel: link. */
export const dialable = (phone: string) => /^\+?[0-9]{3,20}$/.test(phone);
