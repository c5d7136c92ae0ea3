import type { ProductLineSummary } from '../../api/responses.js';
import type { Lang, Translator } from './i18n.js';
import type { COMMON } from './text.js';

/** Reading the manual's data on a page: bilingual texts and product lines from GET /api/faults. Pure. */

export interface Bilingual {
  en: string;
  zh: string;
}

/** A manual text in a language (the other one if it is missing). */
export const bi = (text: Bilingual | null | undefined, lang: Lang): string => (text ? text[lang] || text.en || text.zh || '' : '');

/** "PT · concrete pump truck": the code and the manual's name in the UI language; the code alone while the lines load. */
export function lineLabel(t: Translator<typeof COMMON.en>, lines: readonly ProductLineSummary[], code: string | null | undefined): string {
  if (!code) return '';
  const line = lines.find((l) => l.code === code);
  return line ? t('lineLabel', { code, name: bi(line.name, t.lang) }) : code;
}

/** The `lang` attribute for text in a language. */
export const langAttr = (lang: Lang) => (lang === 'zh' ? 'zh-CN' : 'en');
