import { loadKnowledge } from '../src/knowledge/load.js';
import { buildCorpus } from '../src/retrieval/corpus.js';
import { loadLanguageData } from '../src/retrieval/language-data.js';
import { editDistance, languageWords, SpellingCorrector } from '../src/retrieval/spelling.js';
import { KNOWLEDGE_DIR } from './support/paths.js';

const corpus = buildCorpus(loadKnowledge(KNOWLEDGE_DIR));
const speller = new SpellingCorrector(corpus, languageWords(loadLanguageData(KNOWLEDGE_DIR)));
const corrected = (text: string) => speller.correct(text).text;

describe('English spelling correction before matching (the shipped manual as vocabulary)', () => {
  it.each([
    // one edit: a swap, a letter missing, a letter too many, a wrong letter
    ['hyrdaulic line split', 'hydraulic line split'],
    ['screeed not heating', 'screed not heating'],
    ['vibraton not working on the rolller', 'vibration not working on the roller'],
    ['no power on control pannel', 'no power on control panel'],
    ['park brake wont releese', 'park brake wont release'],
    // two edits in a long word
    ['drill carraige moving by itslef', 'drill carriage moving by itself'],
    // a dropped g
    ['screed not heatin up', 'screed not heating up'],
    // vowels left out, as texting does
    ['line pmp blocked, frnt right outrigger', 'line pump blocked, front right outrigger'],
    // split by a space, run together
    ['out rigers wont retract', 'outriggers wont retract'],
    ['the hydro lic oil is hot', 'the hydraulic oil is hot'],
    ['boomwont lift', 'boom wont lift'],
  ])('reads %j as %j', (typed, meant) => {
    expect(corrected(typed)).toBe(meant);
  });

  it.each([
    // real English words are never "corrected" into manual ones
    'gets louder with vibration on',
    'the general contractor is waiting',
    'trucks are dumping into the hopper',
    'guys raking right behind us',
    // inflections of manual words, acronyms, model codes, numbers and Chinese stay as written
    'boom keeps drifting down',
    'paver throwing SPN 157 FMI 1',
    'QTZ80 hook at 20cm, 88C',
    '熨平板不热了',
    // two known words are not glued with a stop word ("back up")
    'the camera for backing back up is out',
  ])('leaves %j as it is', (text) => {
    expect(speller.correct(text).corrections).toEqual([]);
  });

  it('leaves a word alone when two vocabulary words are as near and neither is clearly the one', () => {
    const tiny = new SpellingCorrector(
      [
        { index: 0, faultId: 'X-1', productLine: 'PT', lang: 'en', kind: 'symptom', text: 'stall on the valve' },
        { index: 1, faultId: 'X-2', productLine: 'PT', lang: 'en', kind: 'symptom', text: 'stale oil in the valve' },
      ],
      [],
      () => false,
    );
    // "stalle" is one edit from "stall" and from "stale", each used once: no guess.
    expect(tiny.nearest('stalle', false)).toBeUndefined();
    expect(tiny.nearest('vlave', false)).toBe('valve');
    // Too short to correct at all.
    expect(tiny.nearest('stal', false)).toBeUndefined();
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('hyrdaulic', 'hydraulic')).toBe(1);
    expect(editDistance('carraige', 'carriage')).toBe(1);
    expect(editDistance('pullbak', 'pullback')).toBe(1);
    expect(editDistance('abc', 'xyz', 1)).toBe(2);
  });
});
