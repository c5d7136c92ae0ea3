import type { z } from 'zod';
import { InvalidRequestError } from '../errors/domain-errors.js';
import { productLineCode, type Bilingual, type ProductLine, type ServicePolicy } from './schema.js';

type Lang = keyof Bilingual;

/**
 * The product lines of the loaded manual (knowledge/service-policy.yaml), in the order the
 * manual lists them. This is the one place code learns which lines exist: schemas only
 * check the shape of a code, and everything that takes a line from outside (HTTP requests,
 * CSV rows, CLI flags) asks `parse` whether this manual has it. Adding a line is a data
 * change: a service-policy entry, its stop-work list in safety.yaml and its fault file.
 */
export class ProductLines {
  readonly codes: readonly string[];
  /** Every line's manual entry (names, aliases, service tier), in the manual's order. */
  readonly all: readonly ProductLine[];
  private readonly byCode: ReadonlyMap<string, ProductLine>;

  /** A zod schema for a code of this manual, for request schemas built at start (errors listed with the others). */
  readonly schema: z.ZodType<string>;

  constructor(policy: ServicePolicy) {
    this.byCode = new Map(policy.product_lines.map((l) => [l.code, l]));
    this.codes = policy.product_lines.map((l) => l.code);
    this.all = policy.product_lines;
    this.schema = productLineCode.refine(
      (code) => this.byCode.has(code),
      (code) => ({ message: this.unknown(code) }),
    );
  }

  private unknown(value: string): string {
    return `unknown product line "${value.slice(0, 40)}" (this manual has ${this.codes.join(', ')})`;
  }

  has(code: string): boolean {
    return this.byCode.has(code);
  }

  get(code: string): ProductLine | undefined {
    return this.byCode.get(code);
  }

  /**
   * The entry of a code already checked against this manual (a stored ticket, a parsed
   * request). A code it lacks here is a bug, not a user error, so it throws a plain Error.
   */
  line(code: string): ProductLine {
    const line = this.byCode.get(code);
    if (!line) throw new Error(`product line ${code} is not in the loaded manual`);
    return line;
  }

  /** The line's name in one language ("concrete pump truck", 泵车); the code itself for a line the manual lacks. */
  name(code: string, lang: Lang): string {
    return this.byCode.get(code)?.name[lang] ?? code;
  }

  /** The line's name as a button or list label: capitalised in English ("Concrete pump truck"). */
  label(code: string, lang: Lang): string {
    const name = this.name(code, lang);
    return lang === 'en' ? name.charAt(0).toUpperCase() + name.slice(1) : name;
  }

  /** The shortest word operators use for the line (aliases in service-policy.yaml): "roller", 塔吊. */
  shortName(code: string, lang: Lang): string {
    const line = this.byCode.get(code);
    if (!line) return code;
    return [line.name[lang], ...line.aliases[lang]].reduce((a, b) => ([...b].length < [...a].length ? b : a));
  }

  /** Every line's name joined as a sentence would list them: "a, b, and c" / "a、b和c". */
  sentence(lang: Lang): string {
    return new Intl.ListFormat(lang, { type: 'conjunction' }).format(this.codes.map((c) => this.name(c, lang)));
  }

  /** `{code, name}` for every line, for pages and API answers. */
  summaries(): { code: string; name: Bilingual; serviceTier: string }[] {
    return [...this.byCode.values()].map((l) => ({ code: l.code, name: l.name, serviceTier: l.service_tier }));
  }

  /**
   * A product line code from outside, checked against this manual. Codes are matched
   * case-insensitively ("pt" is PT); anything else is a 400 naming the lines there are.
   */
  parse(value: string, field = 'productLine'): string {
    const code = value.trim().toUpperCase();
    if (this.byCode.has(code)) return code;
    throw new InvalidRequestError(field, this.unknown(value));
  }

  /** `parse` for an optional value. */
  parseOptional(value: string | undefined, field = 'productLine'): string | undefined {
    return value === undefined ? undefined : this.parse(value, field);
  }
}
