import type { Lang } from '../../dialogs/messages.js';
import type { TriageStateName } from './triage-state.js';

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/gu;
/** Latin words that are words, not codes: "SY5419THB", "QTZ80", "FT-2026-000001" say nothing about the language. */
const LATIN_WORD = /(?<![\p{L}\p{N}])[a-z]+(?:'[a-z]+)?(?![\p{L}\p{N}])/giu;
/** Chinese has no spaces: about two characters make a word. */
const CHARS_PER_ZH_WORD = 2;

/**
 * Answers to these questions are data (a model number, an address, a name, a phone
 * number), not a choice of language: "Room 1203, 500 Zhangjiang Road" from a Chinese
 * speaker, "上海市浦东新区…" from an English one.
 */
const SLOT_STATES: readonly TriageStateName[] = ['ask-model', 'ask-address', 'ask-location', 'ask-name', 'ask-phone'];
/** Short answers to these ("ok", "yes", "好的") do not switch; a whole sentence may. */
const CHOICE_STATES: readonly TriageStateName[] = ['step', 'confirm', 'choose-candidate', 'ask-down', 'offer-person'];
const SENTENCE_WORDS = 4;

/** Words of each language in a message: the majority decides a mixed one ("我的 tower crane 回转不动了"). */
export function wordCounts(text: string): { en: number; zh: number } {
  const zhChars = text.match(CJK)?.length ?? 0;
  const en = [...text.replace(CJK, ' ').matchAll(LATIN_WORD)].length;
  return { en, zh: zhChars / CHARS_PER_ZH_WORD };
}

/** The language a message is written in, if it says (no words, or a tie: it does not). */
export function messageLanguage(text: string): Lang | undefined {
  const { en, zh } = wordCounts(text);
  if (en === zh) return undefined;
  return zh > en ? 'zh' : 'en';
}

/** The channel's locale as one of our languages ("zh-CN", "zh-Hans", "en-US"). */
export function localeLanguage(locale: string | undefined): Lang | undefined {
  const l = (locale ?? '').toLowerCase();
  if (l.startsWith('zh')) return 'zh';
  if (l.startsWith('en')) return 'en';
  return undefined;
}

/**
 * The conversation's language after this message: the channel's locale to begin with,
 * then the description turns (majority of words); slot answers never switch it, short
 * answers at a choice do not either.
 */
export function conversationLanguage(text: string, current: { lang?: Lang; openState?: TriageStateName; locale?: string }): Lang {
  const start = current.lang ?? localeLanguage(current.locale) ?? 'en';
  const open = current.openState;
  if (open && SLOT_STATES.includes(open)) return start;
  const said = messageLanguage(text);
  if (!said) return start;
  if (open && CHOICE_STATES.includes(open)) {
    const counts = wordCounts(text);
    return Math.max(counts.en, counts.zh) >= SENTENCE_WORDS ? said : start;
  }
  return said;
}
