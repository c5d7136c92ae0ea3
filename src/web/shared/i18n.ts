import { LANGUAGES, type Lang } from '../../language/languages.js';
/**
 * Message catalogues for the staff pages, checked by the compiler: English defines the
 * keys and their `{parameters}`; Chinese must have every key, no other key, and each
 * of the English message's parameters (a mismatch is a compile error at the key). A
 * call `t('left', {t: …})` is checked too: unknown keys and missing or misspelt
 * parameters do not compile. Pure (no DOM): unit-tested in Node.
 */

export { LANGUAGES };
export type { Lang };

export type Messages = Readonly<Record<string, string>>;

/** The names inside `{…}` of a message. */
export type ParamNames<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | ParamNames<Rest> : never;
type ParamArgs<S extends string> = [ParamNames<S>] extends [never] ? [] : [params: Record<ParamNames<S>, string | number>];

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** A translation of message S: any text that carries each of S's `{parameters}`. */
export type Translation<S extends string> = [ParamNames<S>] extends [never]
  ? string
  : UnionToIntersection<ParamNames<S> extends infer P ? (P extends string ? `${string}{${P}}${string}` : never) : never>;

/** English defines the keys; every other served language (LANGUAGES) must translate them all. */
export type Catalogue<E extends Messages> = { readonly en: E } & { readonly [L in Exclude<Lang, 'en'>]: Readonly<Record<keyof E, string>> };

/** A catalogue whose Chinese half is checked against its English half. */
export function catalogue<const E extends Messages>(en: E, zh: { readonly [K in keyof E]: Translation<E[K]> }): Catalogue<E> {
  return { en, zh: zh as Readonly<Record<keyof E, string>> };
}

/** One catalogue from two (shared + page); a key defined in both is a compile error. */
export function combine<A extends Messages, B extends Messages>(
  a: Catalogue<A>,
  b: Catalogue<B> & ([Extract<keyof A, keyof B>] extends [never] ? unknown : { duplicateKeys: Extract<keyof A, keyof B> }),
): Catalogue<A & B> {
  return { en: { ...a.en, ...b.en }, zh: { ...a.zh, ...b.zh } } as Catalogue<A & B>;
}

/** Keys that have plural forms: `name_one`, `name_other` (and any other CLDR category). */
type PluralBase<E> = { [K in keyof E]: K extends `${infer B}_other` ? B : never }[keyof E];

export interface Translator<E extends Messages> {
  readonly lang: Lang;
  /** The message in this language, `{parameters}` filled (numbers formatted for the language). */
  <K extends keyof E & string>(key: K, ...params: ParamArgs<E[K]>): string;
  /** `base_one`, `base_other` … chosen by Intl.PluralRules for `n`; `{n}` is filled with it. */
  plural<B extends PluralBase<E> & string>(base: B, n: number, params?: Record<string, string | number>): string;
  /** For keys built at run time (`st_${status}`): the key must exist, or the key itself is shown. */
  dynamic(key: string, params?: Record<string, string | number>): string;
  has(key: string): boolean;
}

/** The translator for one language. */
export function translator<E extends Messages>(cat: Catalogue<E>, lang: Lang): Translator<E> {
  const table = cat[lang] as Record<string, string>;
  const numbers = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en');
  const rules = new Intl.PluralRules(lang === 'zh' ? 'zh-CN' : 'en');
  const fill = (template: string, params: Record<string, string | number> = {}) =>
    template.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const v = params[name];
      return v === undefined ? whole : typeof v === 'number' ? numbers.format(v) : v;
    });
  const t = ((key: string, params?: Record<string, string | number>) => fill(table[key] ?? key, params)) as unknown as Translator<E>;
  Object.defineProperty(t, 'lang', { value: lang });
  t.plural = (base, n, params = {}) => {
    const key = `${base}_${rules.select(n)}`;
    return fill(table[key] ?? table[`${base}_other`] ?? base, { n, ...params });
  };
  t.dynamic = (key, params) => fill(table[key] ?? key, params);
  t.has = (key) => key in table;
  return t;
}

/** The language a browser asks for, as one of ours. */
export function languageOf(tag: string | null | undefined): Lang {
  return /^zh\b/i.test(tag ?? '') ? 'zh' : 'en';
}
