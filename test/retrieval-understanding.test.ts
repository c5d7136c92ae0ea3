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

  it.each([
    // A machine that will not stop and one that stopped are told apart in one word each.
    ["trailer pump won't stop pumping", 'trailer pump nonstop pumping'],
    ['the rig kept going', 'the rig nonstop going'],
    ['the drum is still turning', 'the drum is nonstop turning'],
    ['the agitator stopped turning', 'the agitator halted turning'],
    // The stop button and the e-stop stay a stop.
    ['hit the e-stop, stop button does nothing', 'hit the e-stop, stop button does nothing'],
  ])('reads "%s" for the lexical channel as "%s"', (text, form) => {
    expect(analyser.lexicalForm(text)).toBe(form);
  });

  it.each([
    ['hyd oil everywhere', 'hydraulic oil everywhere'],
    ["left o/r won't come up", "left outrigger won't come up"],
    ['eng cranks, batts are new', 'engine cranks, batteries are new'],
    // Words that only contain shorthand stay as written.
    ['the engine and the hydrant', 'the engine and the hydrant'],
  ])('reads shorthand "%s" as "%s"', (text, plain) => {
    expect(analyser.rewrite(text)).toBe(plain);
  });

  it('gives homophones the same sound and misspellings the same code', () => {
    const sound = (t: string) => soundTokens(t, isStopWord);
    expect(sound('必价')).toEqual(sound('臂架'));
    expect(sound('赌管')).toEqual(sound('堵管'));
    expect(sound('outrigers')).toEqual(expect.arrayContaining([sound('outriggers')[0]]));
  });
});

/** The message's segments as [weight sign, whether it is a complaint, its words]: + complaint, - ruled out, ~ context. */
const roles = (text: string) => {
  const a = analyser.analyse(text);
  return segmentsOf(a.clauses, a.normalised)
    .filter((s) => /[\p{L}\p{N}]/u.test(s.text))
    .map((s) => `${s.weight < 0 ? '-' : s.symptomatic ? '+' : '~'}${s.text.replace(/\s+/g, ' ').trim()}`);
};

describe('the clause reading, table-driven', () => {
  it.each([
    // A negated danger is ruled out, the danger word itself is what is ruled out.
    ['no fire or smoke, just the oil gauge is high', ['-fire or smoke', '+just the oil gauge is high']],
    ['no smoke, no fire, but the oil is really hot', ['-smoke', '-fire', '+but the oil is really hot']],
    ['没冒烟也没着火，就是油温很高', ['-冒烟也 着火', '+就是油温很高']],
    // A subject said to be fine is ruled out; the complaint with its own subject is matched.
    ["the boom is fine but the outriggers won't move", ['-the boom is', "+but the outriggers won't move"]],
    ['回转没问题，就是小车不走', ['-回转', '+就是小车不走']],
    // A complaint naming nothing is about the subject of the "fine" clause before it.
    ['the mud pump is running but no pressure', ['+the mud pump but no pressure']],
    // "does nothing", "light is on" say something is wrong.
    ['the slewing does nothing', ['+the slewing does nothing']],
    ['the grease pump light is on', ['+the grease pump light is on']],
  ])('%s', (text, expected) => {
    expect(roles(text)).toEqual(expected);
  });

  it.each([
    ['no fire or smoke, just the oil gauge is high', false],
    ['没冒烟，就是液压油温度高', false],
    ['nobody hurt, but the crane is leaning', true],
    ['smoke coming out of the engine', true],
    ['没人受伤，塔吊也没倾斜，就是回转转不动了', false],
  ])('reads a danger only where it is affirmed: %s', (text, dangerous) => {
    expect(analyser.isDangerous(analyser.affirmed(analyser.analyse(text)))).toBe(dangerous);
  });

  it.each([
    ["the seat is a bit loose, but the real problem is the boom won't lift", 'boom'],
    ['塔吊回转有点响，最要紧的是小车不走', '小车'],
    ["horn on the paver is dead, whatever, the big thing is the screed won't heat", 'screed'],
  ])('weights the main complaint highest: %s', (text, word) => {
    const a = analyser.analyse(text);
    const complaints = segmentsOf(a.clauses, a.normalised).filter((s) => s.symptomatic);
    const main = complaints.reduce((best, s) => (s.weight > best.weight ? s : best));
    expect(main.text).toContain(word);
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

  it.each([
    ['no fire or smoke, just the hydraulic oil gauge on the pump truck reads 95 and climbing', 'PT-H04'],
    ['没冒烟也没着火，就是地泵液压油温度太高了', 'CP-H05'],
    ["the drill's mud pump is running but no pressure, engine is fine, no smoke", 'HD-H01'],
  ])('does not read a ruled-out danger as the fault: %s', async (text, id) => {
    expect((await top(text))[0]).toBe(id);
  });

  it.each([
    // Stopped is not "won't stop": the runaway entries share "stop" and "turn" with a stopped agitator.
    ['the agitator paddles have stopped turning in the hopper', 'CP-M06'],
    ['the mill drum has stopped turning, engine still running', 'MM-H02'],
    ["line pump won't stop stroking after I switched the remote off", 'CP-O12'],
    ['pressed the e-stop but the boom is still moving', 'PT-O18'],
    // Shorthand: "o/r" is an outrigger, "hyd" hydraulic.
    ["rear o/r on the pump truck won't retract after the pour", 'PT-H08'],
    ['hyd temp on the line pump is past 90 and rising', 'CP-H05'],
  ])('tells a machine that stopped from one that will not stop: %s', async (text, id) => {
    expect((await top(text))[0]).toBe(id);
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
