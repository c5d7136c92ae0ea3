/**
 * The languages the product serves, named once. The manual's bilingual fields, the
 * corpus, the step-text lint, the bot's message catalogue and the pages' i18n are all
 * built from this list, and every `Lang` type is this one. A language is still a code
 * change — the message catalogues must be complete for each, which the compiler checks —
 * but adding one starts here.
 */
export const LANGUAGES = ['en', 'zh'] as const;

/** One of the served languages. */
export type Lang = (typeof LANGUAGES)[number];

export function isLang(value: unknown): value is Lang {
  return (LANGUAGES as readonly unknown[]).includes(value);
}
