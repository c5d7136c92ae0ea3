import { join } from 'node:path';
import type { SuggestionEngine } from '../src/retrieval/engine.js';
import { loadLanguageData } from '../src/retrieval/language-data.js';
import { openEngine } from '../src/retrieval/open-engine.js';
import { soundTokens } from '../src/retrieval/sound.js';
import { isStopWord } from '../src/retrieval/text.js';
import { MessageAnalyser, segmentsOf } from '../src/retrieval/understanding.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';

const analyser = new MessageAnalyser(loadLanguageData(KNOWLEDGE_DIR).cues);
const read = (text: string) =>
  analyser.analyse(text).clauses.map((c) => ({ text: c.text.trim(), symptomatic: c.symptomatic, ruledOut: c.ruledOut, minor: c.minor }));

describe('reading a message before matching it', () => {
  it('splits clauses and marks what is ruled out, in both languages', () => {
    expect(read("the boom itself is fine, it's the outriggers that won't come back up")).toEqual([
      { text: 'the boom itself is fine', symptomatic: false, ruledOut: true, minor: false },
      { text: "it's the outriggers that won't come back up", symptomatic: true, ruledOut: false, minor: false },
    ]);
    expect(read('塔吊回转没问题，就是小车不走').map((c) => [c.ruledOut, c.symptomatic])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(read('not the boom, the outriggers')[0]!.ruledOut).toBe(true);
    // "won't" is the symptom itself, not a ruling-out.
    expect(read("the boom won't lift")[0]).toMatchObject({ symptomatic: true, ruledOut: false });
  });

  it('weights the primary complaint above a minor one and subtracts what is ruled out', () => {
    const a = analyser.analyse("drum won't turn on the mill, spray water's a bit weak too but whatever");
    const segs = segmentsOf(a.clauses, a.normalised);
    const complaints = segs.filter((s) => s.symptomatic);
    expect(complaints[0]!.text).toMatch(/drum/);
    expect(complaints[0]!.weight).toBeGreaterThan(complaints[1]!.weight);
    const b = analyser.analyse('铣刨机刀具喷淋不出水 水箱是满的');
    expect(segmentsOf(b.clauses, b.normalised).find((s) => s.text.includes('水箱'))!.weight).toBeLessThan(0);
  });

  it('makes primary the complaint a later clause points to ("mainly the boom", "最要紧的是油温")', () => {
    const weightOf = (text: string, word: string) => {
      const a = analyser.analyse(text);
      return segmentsOf(a.clauses, a.normalised).find((s) => s.symptomatic && s.text.includes(word))!.weight;
    };
    const en = 'the boom is slow, the oil gets hot after an hour, mainly the boom';
    expect(weightOf(en, 'boom')).toBeGreaterThan(weightOf(en, 'oil'));
    const zh = '臂架有点慢，油温也高，最要紧的是油温';
    expect(weightOf(zh, '油温')).toBeGreaterThan(weightOf(zh, '臂架'));
  });

  it('reads an idiom in the manual\'s plain words: "won\'t fire up" is a starting problem, not a fire', () => {
    expect(analyser.rewrite("the miller died and won't fire back up")).toBe("the miller died and won't start back up");
    expect(analyser.isDangerous(analyser.rewrite('we fired it up this morning and the screed stays cold'))).toBe(false);
  });

  it('gives homophones the same sound and misspellings the same code', () => {
    const sound = (t: string) => soundTokens(t, isStopWord);
    expect(sound('必价')).toEqual(sound('臂架'));
    expect(sound('赌管')).toEqual(sound('堵管'));
    expect(sound('outrigers')).toEqual(expect.arrayContaining([sound('outriggers')[0]]));
  });
});

describe('matching what the message says (lexical channel)', () => {
  let engine: SuggestionEngine;
  beforeAll(async () => {
    engine = await openEngine({ dataDir: join(REPO_ROOT, 'var', 'test'), knowledgeDir: KNOWLEDGE_DIR, embedder: { kind: 'none' } });
  });
  const top = async (text: string) => (await engine.suggest(text, { limit: 3 })).results.map((r) => r.id);

  it('matches the complaint, not what is ruled out', async () => {
    expect((await top("the boom itself is fine, it's the outriggers that won't come back up"))[0]).toBe('PT-H08');
    expect((await top('塔吊回转没问题，就是小车不走'))[0]).toBe('TC-E04');
  });

  it('finds the entry through a homophone', async () => {
    expect((await top('输送泵赌管了'))[0]).toBe('CP-M01');
  });

  it('counts a Chinese match by the characters it covers, not by overlapping words, bigrams and pinyin', async () => {
    // 打着打着 ("while pumping") is story; 堵管 is the complaint.
    expect((await top('泵车打着打着就堵管了'))[0]).toBe('PT-M05');
  });

  it('reads surroundings and parts of our machines as such, and another machine as out of scope', async () => {
    const queue = await engine.suggest('mixer trucks are queuing and the pump truck boom will not lift');
    expect(queue.reason).not.toBe('other-machine');
    expect(queue.results[0]!.productLine).toBe('PT');
    expect((await engine.suggest('塔吊小车往外走不动')).results[0]!.id).toBe('TC-E04');
    expect(await engine.suggest("my excavator's tracks won't turn")).toMatchObject({ abstain: true, reason: 'other-machine' });
    expect(await engine.suggest('冲击夯打不着火')).toMatchObject({ abstain: true, reason: 'other-machine' });
  });

  it('matches a message of "fine" words only as it stands, since nothing else describes the fault', async () => {
    expect((await top('the paver screed is cold'))[0]).toBe('PV-E01');
  });

  it('keeps a clause cut off by a word, not punctuation, with the complaint it introduces', () => {
    const a = analyser.analyse('since the rain this morning the trolley will only creep in');
    const complaint = segmentsOf(a.clauses, a.normalised).find((s) => s.symptomatic)!;
    expect(complaint.text).toMatch(/trolley/);
    expect(complaint.text).toMatch(/creep/);
  });
});
