import type { Ticket } from '../tickets/model.js';
import type { Coordinates, Technician } from './model.js';

export interface AssignmentSuggestion {
  technicianId: string;
  name: string;
  phone: string;
  /** Trained for the ticket's product line. */
  skilled: boolean;
  /** Straight-line distance from the technician's base to the site, when both are known. */
  distanceKm: number | null;
  /** The site address names the technician's region. */
  inRegion: boolean;
  openJobs: number;
  /** Lower is better; see rank(). */
  cost: number;
}

/** One open job weighs like this many kilometres of travel: a busy technician near by loses to a free one a little further. */
const KM_PER_OPEN_JOB = 30;
/** Assumed travel when no coordinates are known: in the region, or somewhere else. */
const KM_IN_REGION = 25;
const KM_UNKNOWN = 120;
/** A technician not trained for the line is offered only after every trained one. */
const UNSKILLED = 100_000;

/** Great-circle distance (haversine), in km. */
export function distanceKm(a: Coordinates, b: Coordinates): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Active technicians ranked for a ticket: trained for the line first, then by a cost in
 * kilometres — travel from their base to the site (or an assumed distance from the
 * region when coordinates are missing) plus their open jobs.
 */
export function rankTechnicians(
  ticket: Pick<Ticket, 'equipment' | 'customer'>,
  roster: readonly Technician[],
  openJobs: ReadonlyMap<string, number>,
): AssignmentSuggestion[] {
  const site = ticket.customer.site;
  const siteAt = site.lat !== undefined && site.lon !== undefined ? { lat: site.lat, lon: site.lon } : undefined;
  const address = site.address.toLowerCase();
  return roster
    .filter((t) => t.active)
    .map((t) => {
      const skilled = t.skills.includes(ticket.equipment.productLine);
      const distance = siteAt && t.base ? Math.round(distanceKm(t.base, siteAt) * 10) / 10 : null;
      const inRegion = address.includes(t.region.toLowerCase());
      const jobs = openJobs.get(t.id) ?? 0;
      const travel = distance ?? (inRegion ? KM_IN_REGION : KM_UNKNOWN);
      return {
        technicianId: t.id,
        name: t.name,
        phone: t.phone,
        skilled,
        distanceKm: distance,
        inRegion,
        openJobs: jobs,
        cost: Math.round((skilled ? 0 : UNSKILLED) + travel + jobs * KM_PER_OPEN_JOB),
      };
    })
    .sort((a, b) => a.cost - b.cost || a.technicianId.localeCompare(b.technicianId));
}
