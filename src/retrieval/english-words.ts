import dictionary from 'dictionary-en';
import nspell from 'nspell';

/**
 * Is this a real English word? The Hunspell en_US dictionary (dictionary-en) read by
 * nspell, which knows every inflection through the affix rules ("louder", "contractor",
 * "queued"): the spelling corrector never "corrects" a real word into a manual one
 * ("louder" is not "loader", "dumping" not "pumping"). Built once, on first use.
 */
let speller: ReturnType<typeof nspell> | undefined;

export function isEnglishWord(word: string): boolean {
  speller ??= nspell({ aff: Buffer.from(dictionary.aff), dic: Buffer.from(dictionary.dic) });
  return speller.correct(word);
}
