import type { ServicePolicy, ProductLineCode } from '../knowledge/schema.js';

/**
 * Recognises a product line named in free text ("my pump truck's boom…", "塔吊吊不起来").
 * Longer aliases win, so "trailer concrete pump" is CP even though "pump" alone is not.
 */
export class ProductLineDetector {
  private readonly aliases: { line: ProductLineCode; lower: string }[];

  private readonly others: string[];

  constructor(policy: ServicePolicy) {
    this.aliases = policy.product_lines
      .flatMap((l) => [...l.aliases.en, ...l.aliases.zh, l.name.en, l.name.zh].map((a) => ({ line: l.code, lower: a.toLowerCase() })))
      .sort((a, b) => b.lower.length - a.lower.length);
    this.others = [...policy.other_machines.en, ...policy.other_machines.zh]
      .map((m) => m.toLowerCase())
      .sort((a, b) => b.length - a.length);
  }



  /** "excavater", "forklfit": one typo away from a one-word machine name of six letters or more. */
  private namesOtherMachineMisspelt(lower: string): boolean {
    const words = lower.match(/[a-z]{6,}/g) ?? [];
    return this.others.some((m) => /^[a-z]{6,}$/.test(m) && words.some((w) => withinOneEdit(w, m)));
  }

  /**
   * The single product line the text names (undefined if none or several), and the
   * text with the machine names blanked out: what is left describes the fault, which
   * is what lexical matching and its confidence should look at.
   */
  detect(text: string): { line?: ProductLineCode; otherMachine: boolean; remainder: string } {
    let lower = text.toLowerCase();
    const blank = (needle: string) => {
      let hit = false;
      for (let at = indexOfWord(lower, needle); at >= 0; at = indexOfWord(lower, needle)) {
        hit = true;
        lower = lower.slice(0, at) + ' '.repeat(needle.length) + lower.slice(at + needle.length);
      }
      return hit;
    };
    // Other makers' machines first, so that "mobile crane" is not read as our "crane".
    const otherMachine = this.others.filter((m) => blank(m)).length > 0 || this.namesOtherMachineMisspelt(lower);
    const found = new Set<ProductLineCode>();
    for (const a of this.aliases) if (blank(a.lower)) found.add(a.line);
    return { line: found.size === 1 ? [...found][0] : undefined, otherMachine, remainder: lower };
  }
}

/** Substring search; Latin aliases must stand as whole words (plural allowed), so "hdd" does not match "hddx". */
const wordPatterns = new Map<string, RegExp>();

function indexOfWord(haystack: string, needle: string): number {
  if (/[\u3400-\u9fff]/u.test(needle)) return haystack.indexOf(needle);
  // Compiled once per alias: this runs for every alias on every message.
  let re = wordPatterns.get(needle);
  if (!re) {
    re = new RegExp(`(^|[^a-z])${needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(s|es)?(?![a-z])`);
    wordPatterns.set(needle, re);
  }
  const m = re.exec(haystack);
  return m ? m.index + m[1]!.length : -1;
}

/** True when a and b differ by at most one insertion, deletion, substitution or swap of neighbours. */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const restA = a.slice(i);
  const restB = b.slice(i);
  return (
    restA.slice(1) === restB.slice(1) || // substitution
    restA.slice(1) === restB || // deletion from a
    restA === restB.slice(1) || // insertion into a
    (restA[0] === restB[1] && restA[1] === restB[0] && restA.slice(2) === restB.slice(2)) // swap
  );
}
