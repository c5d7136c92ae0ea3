import type { TicketStatus } from './model.js';

/** Which status may follow which. Re-assigning goes through "assigned" again. */
export const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['assigned', 'cancelled'],
  assigned: ['assigned', 'en_route', 'cancelled'],
  en_route: ['on_site', 'assigned', 'cancelled'],
  on_site: ['resolved', 'assigned'],
  resolved: ['closed', 'on_site'],
  closed: [],
  cancelled: [],
};

export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'assigned', 'en_route', 'on_site', 'resolved'];

export class TransitionError extends Error {
  override name = 'TransitionError';
  constructor(
    readonly from: TicketStatus,
    readonly to: TicketStatus,
  ) {
    const allowed = TRANSITIONS[from];
    super(
      `a ticket that is "${from}" cannot become "${to}"` + (allowed.length ? ` (allowed next: ${allowed.join(', ')})` : ' (it is final)'),
    );
  }
}

export function assertTransition(from: TicketStatus, to: TicketStatus): void {
  if (!TRANSITIONS[from].includes(to)) throw new TransitionError(from, to);
}
