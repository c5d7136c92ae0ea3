import type { Bilingual, ProductLineCode } from '../knowledge/schema.js';
import { addDays, addMonths, daysBetween } from '../equipment/model.js';
import type { ScheduleSettings } from './schema.js';

/**
 * When to inspect. The consultancy report's default is 1, 3, 6 and 12 months after
 * acceptance; its remedy is timing from experience data: keep the first-month visit,
 * then inspect ahead of the age at which new machines of a line tend to fail, and
 * before and after the customer's peak season. This module turns a line's ticket
 * history into that evidence and into proposed visits, each with the reason for it.
 */

const BIN_DAYS = 30;
const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface MachineHistory {
  serial: string;
  acceptedOn: string;
  /** The day of the first fault ticket, if the machine had one. */
  firstFaultOn?: string;
}

export interface HazardBin {
  /** Age month after acceptance, 1 = days 0–29. */
  month: number;
  atRisk: number;
  firstFaults: number;
  /** Share of the machines still fault-free at the start of the month that had their first fault in it. */
  hazard: number | null;
  /** Kaplan–Meier: share of machines that had had their first fault by the end of this month. */
  cumulative: number;
}

export interface LineEvidence {
  productLine: ProductLineCode;
  machines: number;
  firstFaults: number;
  hazard: HazardBin[];
  /** Fault tickets per calendar month (1 = January) over the last twelve months. */
  monthlyTickets: { month: number; tickets: number; share: number }[];
  ticketsInYear: number;
  peak?: { months: number[]; share: number; factor: number };
}

export type VisitKind = 'first-month' | 'hazard' | 'default' | 'pre-peak' | 'post-peak' | 'annual';

export interface AgeVisit {
  kind: VisitKind;
  /** Days after acceptance (for default months: whole calendar months, see `months`). */
  day: number;
  months?: number;
  reason: Bilingual;
}

export interface SeasonVisit {
  kind: 'pre-peak' | 'post-peak';
  /** Month (1–12) and day of the year's visit. */
  month: number;
  dayOfMonth: number;
  reason: Bilingual;
}

export interface LineSchedule {
  productLine: ProductLineCode;
  /** "data" when the history was enough to move visits away from the default months. */
  basis: 'data' | 'default';
  ageVisits: AgeVisit[];
  seasonVisits: SeasonVisit[];
  notes: Bilingual[];
  evidence: LineEvidence;
}

/** Hazard of the first fault by age month, censoring machines that have not failed yet at today. */
export function lineEvidence(
  productLine: ProductLineCode,
  machines: readonly MachineHistory[],
  faultDays: readonly string[],
  today: string,
  settings: ScheduleSettings,
): LineEvidence {
  const horizon = settings.horizon_months;
  const observed = machines
    .filter((m) => m.acceptedOn <= today)
    .map((m) => {
      const end = m.firstFaultOn && m.firstFaultOn <= today ? m.firstFaultOn : today;
      return { days: Math.max(0, daysBetween(m.acceptedOn, end)), event: Boolean(m.firstFaultOn && m.firstFaultOn <= today) };
    });
  const hazard: HazardBin[] = [];
  let survival = 1;
  for (let k = 0; k < horizon; k++) {
    const atRisk = observed.filter((o) => o.days >= k * BIN_DAYS).length;
    const firstFaults = observed.filter((o) => o.event && o.days >= k * BIN_DAYS && o.days < (k + 1) * BIN_DAYS).length;
    const h = atRisk > 0 ? firstFaults / atRisk : null;
    if (h !== null) survival *= 1 - h;
    hazard.push({ month: k + 1, atRisk, firstFaults, hazard: h === null ? null : round(h), cumulative: round(1 - survival) });
  }

  const yearAgo = addDays(today, -365);
  const counts = Array.from({ length: 12 }, () => 0);
  for (const d of faultDays) if (d > yearAgo && d <= today) counts[Number(d.slice(5, 7)) - 1]!++;
  const ticketsInYear = counts.reduce((a, b) => a + b, 0);
  const monthlyTickets = counts.map((n, i) => ({ month: i + 1, tickets: n, share: ticketsInYear ? round(n / ticketsInYear) : 0 }));
  return {
    productLine,
    machines: observed.length,
    firstFaults: observed.filter((o) => o.event && o.days < horizon * BIN_DAYS).length,
    hazard,
    monthlyTickets,
    ticketsInYear,
    peak: ticketsInYear >= settings.min_tickets_for_season ? peakSeason(counts, settings.peak_factor) : undefined,
  };
}

/** The run of 2–4 calendar months carrying the most volume beyond an even share, if it is a real peak. */
export function peakSeason(counts: readonly number[], factor: number): LineEvidence['peak'] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (!total) return undefined;
  let best: { months: number[]; share: number; excess: number } | undefined;
  for (let len = 2; len <= 4; len++) {
    for (let start = 0; start < 12; start++) {
      const months = Array.from({ length: len }, (_, i) => ((start + i) % 12) + 1);
      const share = months.reduce((a, m) => a + counts[m - 1]!, 0) / total;
      const even = len / 12;
      if (share < even * factor) continue;
      const excess = share - even;
      if (!best || excess > best.excess + 1e-9) best = { months, share, excess };
    }
  }
  return best && { months: best.months, share: round(best.share), factor: round(best.share / (best.months.length / 12)) };
}

/**
 * The line's proposed schedule. Age-based: the first-month visit always, then one visit
 * `lead_days` before each month whose first-fault hazard stands out (at least 1.5× the
 * line's average and a local maximum); with too few first faults, the default months.
 * Seasonal: before and after the line's peak season, when there is one.
 */
export function proposeSchedule(
  evidence: LineEvidence,
  lineName: Bilingual,
  settings: ScheduleSettings,
  defaultMonths: readonly number[],
): LineSchedule {
  const notes: Bilingual[] = [];
  const first: AgeVisit = {
    kind: 'first-month',
    day: 30,
    months: 1,
    reason: {
      en: 'Within the first month after acceptance: kept in every plan, as the service report asks.',
      zh: '交验后一个月内的例行检查：按服务报告要求在所有计划中保留。',
    },
  };
  const ageVisits: AgeVisit[] = [first];
  let basis: LineSchedule['basis'] = 'default';
  if (evidence.firstFaults < settings.min_first_faults) {
    notes.push({
      en: `Only ${evidence.firstFaults} first faults of ${evidence.machines} ${lineName.en}s are on record (at least ${settings.min_first_faults} are needed): the default months are kept.`,
      zh: `${lineName.zh}仅有${evidence.firstFaults}次首次故障记录（共${evidence.machines}台，至少需要${settings.min_first_faults}次）：保持默认检查月份。`,
    });
  } else {
    const bins = evidence.hazard.filter((b) => b.hazard !== null && b.atRisk >= 5);
    const mean = bins.reduce((a, b) => a + b.hazard!, 0) / Math.max(1, bins.length);
    // A peak: a local maximum at least 1.5× the average, carried by at least 3 machines
    // (fewer is noise); the two strongest are kept, as they are what the visits can prevent.
    const peaks = bins
      .filter((b, i) => {
        if (b.month === 1 || b.hazard! < 1.5 * mean || b.firstFaults < 3) return false;
        const prev = bins[i - 1]?.hazard ?? 0;
        const next = bins[i + 1]?.hazard ?? 0;
        return b.hazard! >= prev && b.hazard! >= next;
      })
      .sort((a, b) => b.hazard! - a.hazard!)
      .slice(0, 2)
      .sort((a, b) => a.month - b.month);
    if (peaks.length) basis = 'data';
    for (const p of peaks) {
      const day = Math.max(first.day + settings.min_gap_days, (p.month - 1) * BIN_DAYS - settings.lead_days);
      const pct = Math.round(p.hazard! * 100);
      const avg = Math.round(mean * 1000) / 10;
      ageVisits.push({
        kind: 'hazard',
        day,
        reason: {
          en: `First faults of new ${lineName.en}s peak in month ${p.month} after acceptance: ${p.firstFaults} of the ${p.atRisk} machines still fault-free then failed in it (${pct} %, against ${avg} % a month on average, ${evidence.firstFaults} first faults on record). Inspect ${settings.lead_days} days before.`,
          zh: `新${lineName.zh}的首次故障在交验后第${p.month}个月达到高峰：当时仍无故障的${p.atRisk}台中有${p.firstFaults}台在该月首次故障（${pct}%，平均每月${avg}%，共${evidence.firstFaults}次首次故障记录）。提前${settings.lead_days}天检查。`,
        },
      });
    }
    if (!peaks.length) {
      notes.push({
        en: `First faults of ${lineName.en}s are spread evenly over the first ${settings.horizon_months} months (${evidence.firstFaults} on record): no age stands out, the default months are kept.`,
        zh: `${lineName.zh}的首次故障在前${settings.horizon_months}个月内分布均匀（共${evidence.firstFaults}次）：无明显高峰，保持默认检查月份。`,
      });
    }
  }
  if (basis === 'default') {
    for (const m of defaultMonths.filter((m) => m > 1)) {
      ageVisits.push({
        kind: 'default',
        day: Math.round(m * 30.44),
        months: m,
        reason: {
          en: `${m} months after acceptance: the default schedule (1, 3, 6, 12 months).`,
          zh: `交验后第${m}个月：默认检查时间（第1、3、6、12个月）。`,
        },
      });
    }
  }

  const seasonVisits: SeasonVisit[] = [];
  const peak = evidence.peak;
  if (peak) {
    const names = monthRange(peak.months);
    const pct = Math.round(peak.share * 100);
    const start = `2001-${String(peak.months[0]).padStart(2, '0')}-01`;
    const lastMonth = peak.months[peak.months.length - 1]!;
    const after = addDays(
      lastMonth === 12 ? '2002-01-01' : `2001-${String(lastMonth + 1).padStart(2, '0')}-01`,
      settings.season_after_days,
    );
    const before = addDays(start, -settings.season_lead_days);
    basis = 'data';
    seasonVisits.push({
      kind: 'pre-peak',
      month: Number(before.slice(5, 7)),
      dayOfMonth: Number(before.slice(8, 10)),
      reason: {
        en: `${lineName.en} tickets peak in ${names.en} (${pct} % of the last year's ${evidence.ticketsInYear} fault tickets, ${peak.factor}× an even share): inspect ${settings.season_lead_days} days before the season, with wear parts ready.`,
        zh: `${lineName.zh}工单在${names.zh}达到高峰（占近一年${evidence.ticketsInYear}张故障工单的${pct}%，为平均水平的${peak.factor}倍）：旺季前${settings.season_lead_days}天检查，提前备好易损件。`,
      },
    });
    seasonVisits.push({
      kind: 'post-peak',
      month: Number(after.slice(5, 7)),
      dayOfMonth: Number(after.slice(8, 10)),
      reason: {
        en: `After the ${names.en} peak: inspect ${settings.season_after_days} days after the season for the wear it left.`,
        zh: `${names.zh}旺季之后：旺季结束后${settings.season_after_days}天检查旺季造成的磨损。`,
      },
    });
  } else if (evidence.ticketsInYear < settings.min_tickets_for_season) {
    notes.push({
      en: `${evidence.ticketsInYear} fault tickets in the last year (at least ${settings.min_tickets_for_season} are needed to read a peak season).`,
      zh: `近一年故障工单${evidence.ticketsInYear}张（至少需要${settings.min_tickets_for_season}张才能判断旺季）。`,
    });
  } else {
    notes.push({ en: 'Tickets are spread over the year: no peak season.', zh: '工单全年分布均匀：无明显旺季。' });
  }
  return { productLine: evidence.productLine, basis, ageVisits, seasonVisits, notes, evidence };
}

function monthRange(months: readonly number[]): Bilingual {
  const a = months[0]!;
  const b = months[months.length - 1]!;
  return { en: `${MONTHS_EN[a - 1]}–${MONTHS_EN[b - 1]}`, zh: `${a}–${b}月` };
}

export interface PlannedVisit {
  dueOn: string;
  kinds: VisitKind[];
  reasons: Bilingual[];
}

const PRIORITY: Record<VisitKind, number> = { 'first-month': 0, hazard: 1, 'pre-peak': 2, default: 3, 'post-peak': 4, annual: 5 };

/**
 * One machine's visits up to `until`: the line's age-based visits from its acceptance
 * date, the seasonal ones every year (the customer's own peak months, when an
 * inspection form recorded them, replace the line's), an annual visit after the
 * horizon when nothing else falls in a year; visits closer than min_gap_days merged;
 * at most `visitsPerYear` in each year after acceptance, the most important kept.
 */
export function machineVisits(
  machine: { acceptedOn: string },
  schedule: LineSchedule,
  settings: ScheduleSettings,
  visitsPerYear: number,
  until: string,
  customerSeason?: SeasonVisit[],
): PlannedVisit[] {
  if (visitsPerYear <= 0) return [];
  const raw: { dueOn: string; kind: VisitKind; reason: Bilingual }[] = [];
  for (const v of schedule.ageVisits) {
    const dueOn = v.months !== undefined ? addMonths(machine.acceptedOn, v.months) : addDays(machine.acceptedOn, v.day);
    raw.push({ dueOn, kind: v.kind, reason: v.reason });
  }
  const season = customerSeason?.length ? customerSeason : schedule.seasonVisits;
  const firstYear = Number(machine.acceptedOn.slice(0, 4));
  const lastYear = Number(until.slice(0, 4));
  for (let y = firstYear; y <= lastYear; y++) {
    for (const s of season) {
      const dueOn = `${y}-${String(s.month).padStart(2, '0')}-${String(s.dayOfMonth).padStart(2, '0')}`;
      if (dueOn > addDays(machine.acceptedOn, settings.min_gap_days)) raw.push({ dueOn, kind: s.kind, reason: s.reason });
    }
  }
  const horizonEnd = addMonths(machine.acceptedOn, settings.horizon_months);
  for (let year = 1; addMonths(machine.acceptedOn, 12 * year) <= until; year++) {
    const start = addMonths(machine.acceptedOn, 12 * year);
    const end = addMonths(machine.acceptedOn, 12 * (year + 1));
    if (start < horizonEnd || raw.some((r) => r.dueOn >= start && r.dueOn < end)) continue;
    raw.push({
      dueOn: start,
      kind: 'annual',
      reason: { en: `Yearly inspection: ${year} year(s) after acceptance.`, zh: `年度例行检查：交验后第${year}年。` },
    });
  }

  raw.sort((a, b) => a.dueOn.localeCompare(b.dueOn) || PRIORITY[a.kind] - PRIORITY[b.kind]);
  const merged: PlannedVisit[] = [];
  for (const r of raw) {
    const last = merged[merged.length - 1];
    if (last && daysBetween(last.dueOn, r.dueOn) < settings.min_gap_days) {
      if (!last.kinds.includes(r.kind)) last.kinds.push(r.kind);
      last.reasons.push(r.reason);
    } else merged.push({ dueOn: r.dueOn, kinds: [r.kind], reasons: [r.reason] });
  }

  const kept: PlannedVisit[] = [];
  for (let year = 0; addMonths(machine.acceptedOn, 12 * year) <= until; year++) {
    const start = addMonths(machine.acceptedOn, 12 * year);
    const end = addMonths(machine.acceptedOn, 12 * (year + 1));
    const inYear = merged.filter((v) => v.dueOn >= start && v.dueOn < end);
    const best = [...inYear].sort((a, b) => rank(a) - rank(b) || a.dueOn.localeCompare(b.dueOn)).slice(0, visitsPerYear);
    kept.push(...inYear.filter((v) => best.includes(v)));
  }
  return kept.filter((v) => v.dueOn <= until);
}

const rank = (v: PlannedVisit) => Math.min(...v.kinds.map((k) => PRIORITY[k]));

const round = (x: number) => Math.round(x * 1000) / 1000;
