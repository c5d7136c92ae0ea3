import type { Lang } from './i18n.js';

/**
 * Dates, times and durations for the staff pages, through Intl. Pure (no DOM).
 *
 * Dates on the boards are numeric and ISO-ordered (2026-03-15 14:05) in both languages:
 * sortable at a glance and read the same way by English and Chinese staff; the long,
 * localised form (2026年3月15日星期日 14:05) goes in the element's title. Durations use
 * the language's own unit words (3d 4h 05m / 3天4小时5分钟).
 */

const locale = (lang: Lang) => (lang === 'zh' ? 'zh-CN' : 'en-GB');

const numericParts = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function parts(d: Date): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  const out: Record<string, string> = {};
  for (const p of numericParts.formatToParts(d)) out[p.type] = p.value;
  return out as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string>;
}

const valid = (iso: string | number | Date) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
};

/** 2026-03-15 14:05 */
export function dateTime(iso: string): string {
  const d = valid(iso);
  if (!d) return String(iso ?? '');
  const p = parts(d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** 03-15 14:05: for lists, where the year is this year's. */
export function shortDateTime(iso: string): string {
  const d = valid(iso);
  if (!d) return String(iso ?? '');
  const p = parts(d);
  return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** 14:05:09 */
export function clockTime(ms: number): string {
  const p = parts(new Date(ms));
  return `${p.hour}:${p.minute}:${p.second}`;
}

const longForms = new Map<Lang, Intl.DateTimeFormat>();
/** Sunday 15 March 2026 at 14:05 / 2026年3月15日星期日 14:05 */
export function longDateTime(iso: string, lang: Lang): string {
  const d = valid(iso);
  if (!d) return String(iso ?? '');
  let f = longForms.get(lang);
  if (!f) longForms.set(lang, (f = new Intl.DateTimeFormat(locale(lang), { dateStyle: 'full', timeStyle: 'short' })));
  return f.format(d);
}

type Unit = 'day' | 'hour' | 'minute' | 'second';
const unitFormats = new Map<string, Intl.NumberFormat>();
function unit(lang: Lang, u: Unit, pad: boolean): Intl.NumberFormat {
  const key = `${lang}|${u}|${pad}`;
  let f = unitFormats.get(key);
  if (!f)
    unitFormats.set(
      key,
      (f = new Intl.NumberFormat(locale(lang), { style: 'unit', unit: u, unitDisplay: 'narrow', minimumIntegerDigits: pad ? 2 : 1 })),
    );
  return f;
}
const lists = new Map<Lang, Intl.ListFormat>();

/**
 * A countdown's length, to the precision a dispatcher needs: days, hours and minutes
 * beyond a day; hours, minutes and seconds beyond an hour; else minutes and seconds.
 * English pads minutes and seconds like a clock (1h 05m 09s); Chinese unit words are not
 * padded (1小时5分钟9秒).
 */
export function duration(ms: number, lang: Lang): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const shown: [Unit, number][] =
    d > 0
      ? [
          ['day', d],
          ['hour', h],
          ['minute', m],
        ]
      : h > 0
        ? [
            ['hour', h],
            ['minute', m],
            ['second', s],
          ]
        : [
            ['minute', m],
            ['second', s],
          ];
  const pad = lang === 'en';
  const words = shown.map(([u, n], i) => unit(lang, u, pad && i > 0 && (u === 'minute' || u === 'second')).format(n));
  let list = lists.get(lang);
  if (!list) lists.set(lang, (list = new Intl.ListFormat(locale(lang), { type: 'unit', style: 'narrow' })));
  return list.format(words);
}

/** 0.873 → "87 %" (a percentage of confidence, clamped to 0–100). */
export function percent(score: number): string {
  return `${Math.round(Math.max(0, Math.min(1, Number(score) || 0)) * 100)} %`;
}
