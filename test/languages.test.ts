import { bilingual } from '../src/knowledge/schema.js';
import { LANGUAGES, isLang } from '../src/language/languages.js';
import { detectLanguage } from '../src/language/detect.js';
import { languageOf } from '../src/web/shared/i18n.js';

/** The one list of served languages drives the manual's bilingual fields and the pages' choice. */
describe('LANGUAGES', () => {
  const every = (text: string) => Object.fromEntries(LANGUAGES.map((l) => [l, text]));

  it('is what a bilingual manual field must hold: each language, no other', () => {
    expect(Object.keys(bilingual.shape).sort()).toEqual([...LANGUAGES].sort());
    expect(bilingual.safeParse(every('x')).success).toBe(true);
    for (const missing of LANGUAGES) {
      const partial = every('x');
      delete partial[missing];
      expect(bilingual.safeParse(partial).success).toBe(false);
    }
    expect(bilingual.safeParse({ ...every('x'), fr: 'x' }).success).toBe(false);
  });

  it('names every language detection, the pages and isLang can answer', () => {
    for (const text of ['the boom will not rise', '臂架升不起来']) expect(LANGUAGES).toContain(detectLanguage(text));
    for (const tag of ['zh-CN', 'en-GB', 'de']) expect(LANGUAGES).toContain(languageOf(tag));
    expect(LANGUAGES.every(isLang)).toBe(true);
    expect(isLang('unknown')).toBe(false);
  });
});
