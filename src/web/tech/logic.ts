import type { TicketView } from '../../api/responses.js';
import type { CloseOutBody } from '../shared/api.js';

/**
 * The technician view's rules, apart from the page: which jobs, in what order, links to
 * call and navigate, the close-out draft and the body it becomes. Pure (no DOM).
 */

/** The statuses a job is the technician's to work. */
export const WORK_STATUSES = ['assigned', 'en_route', 'on_site'] as const;

/** The earliest deadline not yet met (machines that are down first). */
export function nextDeadline(t: Pick<TicketView, 'slaStatus'>): TicketView['slaStatus'][number] | undefined {
  return t.slaStatus.filter((c) => !c.metAt && c.state !== 'not-applicable').sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))[0];
}

export function sortJobs<T extends Pick<TicketView, 'slaStatus' | 'machineDown' | 'number'>>(jobs: readonly T[]): T[] {
  const due = (t: T) => {
    const c = nextDeadline(t);
    return c ? Date.parse(c.dueAt) : Number.POSITIVE_INFINITY;
  };
  return [...jobs].sort((a, b) => Number(b.machineDown) - Number(a.machineDown) || due(a) - due(b) || a.number.localeCompare(b.number));
}

/** tel: for a stored E.164 number (only digits and a leading +, so nothing else reaches the link). */
export const telLink = (phone: string) => (/^\+?[0-9]{3,20}$/.test(phone) ? `tel:${phone}` : null);

/**
 * Where to drive: a `geo:` link (Android and most navigation apps open it) and an
 * OpenStreetMap link for any browser, from the site's coordinates; without them, a
 * geo: search for the address text.
 */
export function navigationLinks(site: TicketView['customer']['site']): { geo: string; map: string | null } {
  if (site.lat !== undefined && site.lon !== undefined) {
    const at = `${site.lat.toFixed(6)},${site.lon.toFixed(6)}`;
    return {
      geo: `geo:${at}?q=${at}`,
      map: `https://www.openstreetmap.org/?mlat=${site.lat.toFixed(6)}&mlon=${site.lon.toFixed(6)}#map=17/${at.replace(',', '/')}`,
    };
  }
  return { geo: `geo:0,0?q=${encodeURIComponent(site.address)}`, map: null };
}

/** Minutes since the technician arrived (the last "on_site" in the history), for the form's default. */
export function minutesSinceArrival(t: Pick<TicketView, 'history'>, now: number): number | null {
  const arrived = [...t.history].reverse().find((h) => h.to === 'on_site');
  if (!arrived) return null;
  return Math.max(0, Math.round((now - Date.parse(arrived.at)) / 60_000));
}

export interface PartLine {
  code: string;
  quantity: number;
}

/** The close-out as typed so far; kept in localStorage per ticket until it is accepted. */
export interface Draft {
  ticketId: string;
  faultQuery: string;
  actualFaultId: string | null;
  notInManual: boolean;
  causeId: string;
  rootCauseClass: '' | 'operator-error' | 'needs-repair' | 'part-replacement';
  parts: PartLine[];
  workDone: string;
  minutesOnSite: string;
  /** Set when Submit was pressed: the draft is then sent again until the server has it. */
  submitted: boolean;
}

export const draftKey = (ticketId: string) => `tech.closeOut.${ticketId}`;

export function emptyDraft(t: Pick<TicketView, 'id' | 'faults'>, minutes: number | null): Draft {
  const matched = t.faults[0]?.id ?? null;
  return {
    ticketId: t.id,
    faultQuery: matched ?? '',
    actualFaultId: matched,
    notInManual: false,
    causeId: '',
    rootCauseClass: '',
    parts: [],
    workDone: '',
    minutesOnSite: minutes === null ? '' : String(minutes),
    submitted: false,
  };
}

export function loadDraft(storage: Pick<Storage, 'getItem'>, ticketId: string): Draft | null {
  try {
    const raw = storage.getItem(draftKey(ticketId));
    const d = raw ? (JSON.parse(raw) as Draft) : null;
    return d && d.ticketId === ticketId ? d : null;
  } catch {
    return null;
  }
}

export function saveDraft(storage: Pick<Storage, 'setItem' | 'removeItem'>, d: Draft | null, ticketId: string): void {
  try {
    if (d) storage.setItem(draftKey(ticketId), JSON.stringify(d));
    else storage.removeItem(draftKey(ticketId));
  } catch {
    /* storage off or full: the draft lasts while the page is open */
  }
}

/** The fault id a typed search names: "PT-H01", "PT-H01 · Boom does not move…". */
export function faultIdOf(query: string): string | null {
  return /\b([A-Z]{2}-[EMHO]\d{2})\b/.exec(query.toUpperCase())?.[1] ?? null;
}

/** The part code a typed search names ("PT-HY-0042 · Main relief valve"). */
export function partCodeOf(query: string): string | null {
  return /\b([A-Z]{2}-[A-Z]{2}-\d{3,5})\b/.exec(query.toUpperCase())?.[1] ?? null;
}

export type DraftProblem = 'fault' | 'work' | 'minutes';

/** The request body, or what is missing. */
export function closeOutBody(d: Draft): { body: CloseOutBody } | { problems: DraftProblem[] } {
  const problems: DraftProblem[] = [];
  if (!d.notInManual && !d.actualFaultId) problems.push('fault');
  if (!d.workDone.trim()) problems.push('work');
  const minutes = Number(d.minutesOnSite);
  if (d.minutesOnSite.trim() === '' || !Number.isInteger(minutes) || minutes < 0) problems.push('minutes');
  if (problems.length) return { problems };
  return {
    body: {
      actualFaultId: d.notInManual ? null : d.actualFaultId,
      ...(d.causeId && !d.notInManual ? { causeId: d.causeId } : {}),
      rootCauseClass: d.rootCauseClass || 'needs-repair',
      partsUsed: d.parts.filter((p) => p.quantity > 0).map((p) => ({ code: p.code, quantity: Math.round(p.quantity) })),
      workDone: d.workDone.trim(),
      // No expectedVersion: the photos sent just before change the ticket's version, and
      // the close-out is the technician's own account, not an edit of what they saw.
      minutesOnSite: minutes,
    },
  };
}

/**
 * Whether a resent close-out has already been taken: the ticket is resolved (or closed)
 * with a close-out. Submitting is idempotent this way: a retry after a lost answer finds
 * the job done and stops, instead of reporting an error.
 */
export const alreadyClosedOut = (t: Pick<TicketView, 'status' | 'closeOut'>) =>
  (t.status === 'resolved' || t.status === 'closed') && t.closeOut !== undefined;
