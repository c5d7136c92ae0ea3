import type { Lang } from '../language/languages.js';
import { canonicalSerial, inWarranty, today, type Machine } from './model.js';

/**
 * Words in a message that could be a serial number: letters and digits with at least
 * one digit and one letter or dash, 5–40 characters ("PT56X-2026-0012", "sn 2024a0331").
 * Model names ("56X") are too short to be mistaken for one.
 */
export function serialCandidates(text: string): string[] {
  const words = text.normalize('NFKC').match(/[A-Za-z0-9][A-Za-z0-9._/-]{3,39}/g) ?? [];
  return [...new Set(words.map((w) => canonicalSerial(w.replace(/[.\-/]+$/, ''))))].filter(
    (w) => w.length >= 5 && /\d/.test(w) && /[A-Z-]/.test(w),
  );
}

/** The first candidate in the text that is a machine of the installed base. */
export async function recogniseMachine(
  text: string,
  lookup: (serial: string) => Promise<Machine | undefined>,
): Promise<Machine | undefined> {
  for (const serial of serialCandidates(text).slice(0, 5)) {
    const machine = await lookup(serial);
    if (machine) return machine;
  }
  return undefined;
}

/** What the bot tells the operator it found, in their language. */
export function describeMachine(m: Machine, lineName: Record<Lang, string>, lang: Lang, day = today()): string {
  const covered = inWarranty(m, day);
  if (lang === 'zh') {
    return `已找到这台设备：${m.customer}的${m.model}${lineName.zh}（编号 ${m.serial}），${covered ? `在三包期内，至${m.warrantyEnd}` : `三包期已于${m.warrantyEnd}结束`}。`;
  }
  return `I found your machine: a ${m.model} ${lineName.en} of ${m.customer} (serial ${m.serial}), ${covered ? `in warranty until ${m.warrantyEnd}` : `out of warranty since ${m.warrantyEnd}`}.`;
}
