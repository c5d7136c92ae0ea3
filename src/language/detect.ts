import type { Lang } from './languages.js';

/**
 * Which language a text is written in. Used by retrieval (tokenising), the conversation
 * (the language of a turn), tickets and feedback (the language of an operator's words):
 * it belongs to none of them, so it lives here and depends on nothing.
 */

/** CJK ideographs (unified, extension A, compatibility). */
export const CJK = /[\u3400-\u9fff\uf900-\ufaff]/u;

/** A served language, or 'unknown' for a text with no letters of either. */
export type DetectedLang = Lang | 'unknown';

/** The dominant language of a text: Chinese if a third or more of its letters are CJK. */
export function detectLanguage(text: string): DetectedLang {
  let cjk = 0;
  let latin = 0;
  for (const ch of text) {
    if (CJK.test(ch)) cjk++;
    else if (/[a-zA-Z]/.test(ch)) latin++;
  }
  if (cjk === 0 && latin === 0) return 'unknown';
  return cjk * 3 >= latin ? 'zh' : 'en';
}
