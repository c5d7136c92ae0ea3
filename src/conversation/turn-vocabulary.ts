import { z } from 'zod';
import { compile, normalise, type Phrase } from './phrases.js';
import { readVocabulary } from './vocabulary-file.js';

const phrases = z.array(z.string().trim().min(1)).default([]);

/** knowledge/conversation/turns.yaml (see the file's header). */
export const turnsFile = z
  .object({
    closing: z.object({ en: phrases, zh: phrases }).strict(),
    other_language_words: phrases,
  })
  .strict();

/** Scripts of languages the bot does not serve (Chinese characters and Latin letters are ours). */
const OTHER_SCRIPT =
  /[\p{Script=Cyrillic}\p{Script=Arabic}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Hebrew}\p{Script=Greek}\p{Script=Devanagari}]/u;
const CJK = /[\u3400-\u9fff]/u;
const WORDS = /[\p{L}]+(?:'[\p{L}]+)?/gu;

export class TurnVocabulary {
  private readonly closing: Phrase[];
  private readonly foreign: Set<string>;

  constructor(file: z.infer<typeof turnsFile>) {
    this.closing = compile([...file.closing.en, ...file.closing.zh]).sort((a, b) => b.source.length - a.source.length);
    this.foreign = new Set(file.other_language_words.map((w) => normalise(w)));
  }

  static load(knowledgeDir: string): TurnVocabulary {
    return new TurnVocabulary(readVocabulary(knowledgeDir, 'turns.yaml', turnsFile));
  }

  /** Nothing but "ok", "nope", "谢谢", 👍 …: a message that closes an ended triage. */
  isClosing(text: string): boolean {
    let left = normalise(text);
    for (const p of this.closing) left = p.remove(left);
    return !/[\p{L}\p{N}]/u.test(left);
  }

  /** A message in a language we do not serve (German, Russian, Korean …). */
  isOtherLanguage(text: string): boolean {
    const t = normalise(text);
    if (CJK.test(t)) return false;
    if (OTHER_SCRIPT.test(t)) return true;
    const words = t.match(WORDS) ?? [];
    const foreign = words.filter((w) => this.foreign.has(w)).length;
    return foreign >= 2 && foreign * 2 >= words.length * 0.6;
  }
}
