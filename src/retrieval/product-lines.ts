import type { ServicePolicy, ProductLineCode } from '../knowledge/schema.js';

/**
 * Recognises a product line named in free text ("my pump truck's boom…", "塔吊吊不起来").
 * Longer aliases win, so "trailer concrete pump" is CP even though "pump" alone is not.
 */
export class ProductLineDetector {
  private readonly aliases: { line: ProductLineCode; lower: string }[];

  constructor(policy: ServicePolicy) {
    this.aliases = policy.product_lines
      .flatMap((l) => [...l.aliases.en, ...l.aliases.zh, l.name.en, l.name.zh].map((a) => ({ line: l.code, lower: a.toLowerCase() })))
      .sort((a, b) => b.lower.length - a.lower.length);
  }

  /**
   * The single product line the text names (undefined if none or several), and the
   * text with the machine names blanked out: what is left describes the fault, which
   * is what lexical matching and its confidence should look at.
   */
  detect(text: string): { line?: ProductLineCode; remainder: string } {
    let lower = text.toLowerCase();
    const found = new Set<ProductLineCode>();
    for (const a of this.aliases) {
      for (let at = indexOfWord(lower, a.lower); at >= 0; at = indexOfWord(lower, a.lower)) {
        found.add(a.line);
        lower = lower.slice(0, at) + ' '.repeat(a.lower.length) + lower.slice(at + a.lower.length);
      }
    }
    return { line: found.size === 1 ? [...found][0] : undefined, remainder: lower };
  }
}

/** Substring search; Latin aliases must stand as whole words (plural allowed), so "hdd" does not match "hddx". */
function indexOfWord(haystack: string, needle: string): number {
  if (/[\u3400-\u9fff]/u.test(needle)) return haystack.indexOf(needle);
  const re = new RegExp(`(^|[^a-z])${needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(s|es)?(?![a-z])`);
  const m = re.exec(haystack);
  return m ? m.index + m[1]!.length : -1;
}
