import type { Activity } from 'botbuilder';
import { CommandRecognizer } from '../src/conversation/commands.js';
import { DangerDetector } from '../src/conversation/danger.js';
import { conversationLanguage, messageLanguage } from '../src/conversation/language.js';
import { Clause, Phrase, PhraseMatcher } from '../src/conversation/phrases.js';
import type { TriageInfo } from '../src/conversation/triage-state.js';
import { TurnVocabulary } from '../src/conversation/turn-vocabulary.js';
import type { SuggestionEngine } from '../src/retrieval/engine.js';
import { stopWorkSteps } from '../src/knowledge/safety.js';
import { Conversation, engine, kb, lastText, texts } from './support/bot.js';
import { sqliteDatabase, type TestDatabase } from './support/databases.js';
import { KNOWLEDGE_DIR } from './support/paths.js';

/**
 * The turn level (src/conversation/turn-handler.ts): danger before anything else,
 * commands only when meant, what happens after a flow or a handoff, requests that are
 * not faults, and the conversation's language. The vocabularies are the shipped ones.
 */

const danger = DangerDetector.load(KNOWLEDGE_DIR);
const commands = CommandRecognizer.load(KNOWLEDGE_DIR);
const vocabulary = TurnVocabulary.load(KNOWLEDGE_DIR);

describe('the danger detector', () => {
  test.each([
    ['the pump truck engine is on fire', 'fire'],
    ['泵车着火了', 'fire'],
    ["wait, there's smoke coming out of the engine bay now", 'fire'],
    ['等等，发动机那边冒烟了', 'fire'],
    ["a worker's hand got caught in the hopper and he's bleeding badly", 'injury'],
    ['有人被压了', 'injury'],
    ['someone is trapped under the drum!!', 'injury'],
    ['the boom just touched a power line', 'electric'],
    ['臂架碰到高压线了', 'electric'],
    ['we hit a power cable with the drill, the strike alarm is going off', 'electric'],
    ["the tower crane is swaying like it's going to topple over", 'tipping'],
    ['泵车支腿下陷，整车在倾斜', 'tipping'],
    ['臂架一直往下沉，下面还站着人', 'person-under-load'],
    ['the boom keeps sinking by itself while we pump, the operator is under it', 'person-under-load'],
    ["roller is rolling down the ramp by itself, the brakes don't hold", 'uncontrolled-movement'],
    ['铣刨机自己在动，急停按了也停不下来', 'uncontrolled-movement'],
    ['泵车 on fire!!', 'fire'],
  ])('%s is an emergency (%s)', (text, kind) => {
    expect(danger.detect(text)?.kinds).toContain(kind);
  });

  test.each([
    'no one is hurt, the roller just will not start',
    '没有人受伤，就是压路机打不着火',
    'the machine is not on fire, but the engine smells hot',
    '压路机打不着火，一点反应都没有',
    'black smoke from the exhaust when I rev the engine',
    '排气管冒黑烟',
    'the release agent spray on the paver is not working',
    'signal goes crazy at the road crossing, near the power lines',
    '前钳夹住了，后钳不夹',
    'the tower crane was hit by lightning last night, it needs an inspection before we use it',
    'electric line pump motor will not start',
    'nobody is under the boom, it just moves slowly',
  ])('%s is not an emergency', (text) => {
    expect(danger.detect(text)).toBeUndefined();
  });

  test('the numbers follow the kind: fire gives the fire brigade first, an injury the ambulance', () => {
    expect(danger.detect('the engine is on fire')!.numbers[0]).toBe('fire');
    expect(danger.detect('someone is trapped under the drum')!.numbers).toEqual(['ambulance']);
    expect(danger.detect('the boom touched a power line')!.numbers).toContain('power');
  });
});

describe('the one phrase matcher of the conversation layer', () => {
  const m = new PhraseMatcher({
    fixed: ['fixed', 'works now'],
    not_fixed: ['not fixed', "didn't help", 'still'],
    skip: ['n/a'],
    first: ['#1'],
  });
  const labels = (text: string) => m.find(text).map((h) => h.label);

  test.each([
    ['not fixed', ['not_fixed']], // the longer phrase wins where two overlap
    ['didnt help', ['not_fixed']], // apostrophes optional
    ['stil broken', ['not_fixed']], // one typo in a word of four letters or more
    ['n/a', ['skip']], // marks as written
    ['#1', ['first']],
    ['I was at step 1', []], // "#1" is not any 1
    ['fixedness', []], // whole words
    ['好了fixed', ['fixed']], // next to Chinese characters
  ])('%s → %p', (text, want) => {
    expect(labels(text)).toEqual(want);
  });

  test('a phrase is found the same way by the matcher, in a clause, and when removed', () => {
    const p = new Phrase("don't send");
    expect(new Clause('ok dont send it').has(p)).toBe(true);
    expect(p.remove('ok dont send it').trim()).toMatch(/^ok\s+it$/);
    expect(new PhraseMatcher({ no: ["don't send"] }).find('ok dont send it')).toEqual([expect.objectContaining({ label: 'no', start: 3 })]);
    expect(new Phrase('bleed*').remove('he is bleeding badly')).toBe('he is   badly');
  });
});

describe('commands, only when meant', () => {
  test.each([
    ['agent', 'handoff'],
    ['Agent please', 'handoff'],
    ['talk to a person', 'handoff'],
    ['I want to talk to a real person', 'handoff'],
    ['转人工', 'handoff'],
    ['人工', 'handoff'],
    ['客服', 'handoff'],
    ['我要找客服', 'handoff'],
    ['我要人工服务', 'handoff'],
    ['转人工 please', 'handoff'],
    ['start over', 'restart'],
    ['重新开始', 'restart'],
    ['取消', 'restart'],
    ['start over 重新来', 'restart'],
    ['the release agent spray on the paver is not working', undefined],
    ['the human machine interface screen on the roller is black', undefined],
    ['the person who normally runs the paver is off today and now the engine won’t crank', undefined],
    ['上次客服说要换振动泵，现在压路机还是不起振', undefined],
    ['塔吊钢丝绳人工检查发现好几处断丝', undefined],
    ["milling machine engine won't restart after it stalled", undefined],
    ['重新启动发动机也没用，压路机还是不走', undefined],
    ['the cancel button on the remote is stuck', undefined],
    ["I don't need a person, just tell me what to check", undefined],
  ])('%s → %s', (text, expected) => {
    expect(commands.find(text)).toBe(expected);
  });
});

describe('the conversation language', () => {
  test.each([
    ['我的 tower crane 回转不动了，帮忙看看', 'zh'],
    ['the paver 熨平板 is not heating, the screed is cold', 'en'],
    ['泵车的remote control没反应了，换了电池也不行', 'zh'],
    ['SY5419THB', undefined],
    ['👍', undefined],
  ])('%s is written in %s', (text, lang) => {
    expect(messageLanguage(text)).toBe(lang);
  });

  test('the locale decides until the words do; slot answers never switch', () => {
    expect(conversationLanguage('👍', { locale: 'zh-CN' })).toBe('zh');
    expect(conversationLanguage('压路机打不着火', { locale: 'en-US' })).toBe('zh');
    expect(conversationLanguage('Room 1203, Tower B, 500 Zhangjiang Road, Pudong', { lang: 'zh', openState: 'ask-address' })).toBe('zh');
    expect(conversationLanguage('上海市浦东新区临港大道888号工地', { lang: 'en', openState: 'ask-address' })).toBe('en');
    expect(conversationLanguage('Wang Jianguo', { lang: 'zh', openState: 'ask-name' })).toBe('zh');
    expect(conversationLanguage('ok', { lang: 'zh', openState: 'confirm' })).toBe('zh');
    expect(conversationLanguage('the screed is still cold after that', { lang: 'zh', openState: 'step' })).toBe('en');
  });
});

describe('the turn vocabulary', () => {
  test.each([
    ['nope', true],
    ['ok 👍', true],
    ['不用了，谢谢', true],
    ['nope, the roller still will not start', false],
  ])('%s closes an ended triage: %s', (text, closes) => {
    expect(vocabulary.isClosing(text)).toBe(closes);
  });
  test.each([
    ['Hallo, meine Walze springt nicht an. Können Sie mir helfen?', true],
    ['Здравствуйте, каток не заводится', true],
    ['the roller will not start', false],
    ['压路机打不着火', false],
  ])('%s is another language: %s', (text, other) => {
    expect(vocabulary.isOtherLanguage(text)).toBe(other);
  });
});

const triage = (activities: Partial<Activity>[]) =>
  activities.filter((a) => a.type === 'message').map((a) => (a.channelData as { triage?: TriageInfo } | undefined)?.triage);
const lastTriage = (activities: Partial<Activity>[]) => triage(activities).at(-1);

describe('the turn level over the real bot', () => {
  let t: TestDatabase;
  let eng: SuggestionEngine;
  let c: Conversation;
  beforeAll(async () => {
    eng = await engine();
  }, 120_000);
  beforeEach(async () => {
    t = await sqliteDatabase();
    c = new Conversation(t.db, eng);
  });
  afterEach(() => t.cleanup());

  const handoffs = () => t.db.query<{ priority: string; reason: string; status: string }>(`SELECT priority, reason, status FROM handoffs`);

  it('answers an emergency first message at once: the numbers, the line’s stop-work steps, an urgent handoff, no model question', async () => {
    const replies = await c.send('the pump truck engine is on fire');
    const all = texts(replies).join('\n');
    expect(all).toMatch(/119/);
    expect(all).toMatch(/Stop pumping/); // the pump truck's own stop-work list (knowledge/safety.yaml)
    expect(all).not.toMatch(/model or serial/);
    expect(triage(replies).every((i) => i?.state === 'danger' && i.danger && i.handoff && i.productLine === 'PT')).toBe(true);
    expect(replies.some((a) => a.type === 'event' && a.name === 'handoff.initiate')).toBe(true);
    expect(await handoffs()).toEqual([expect.objectContaining({ priority: 'urgent', reason: 'emergency: fire' })]);
    // Then the person takes over: what the operator writes is kept for them, not triaged.
    const after = await c.send('the fire brigade is here now');
    expect(lastTriage(after)?.state).toBe('waiting-for-person');
  });

  it('answers an emergency in the middle of a flow, in Chinese, with the general steps when the machine is unknown', async () => {
    await c.send('设备坏了');
    const replies = await c.send('有人被卷进去了，流了很多血');
    const all = texts(replies).join('\n');
    expect(all).toMatch(/120/);
    expect(all).toMatch(/急停/); // the general stop-work list
    expect(lastTriage(replies)).toMatchObject({ state: 'danger', lang: 'zh', danger: true, handoff: true });
  });

  it('an emergency on an entry with its own notes (a runaway roller, RR-M11) gives those notes and the line’s stop-work steps', async () => {
    const replies = await c.send("the roller's brakes failed and it is rolling down the ramp by itself");
    const all = texts(replies).join('\n');
    const entry = kb.faultsById.get('RR-M11')!;
    for (const note of entry.safety) expect(all).toContain(note.en);
    for (const step of stopWorkSteps(kb, 'RR', 'en')) expect(all).toContain(step);
    // The entry's first-minute notes come before the routine list.
    expect(all.indexOf(entry.safety[0]!.en)).toBeLessThan(all.indexOf(stopWorkSteps(kb, 'RR', 'en')[0]!));
    expect(lastTriage(replies)).toMatchObject({ state: 'danger', faultId: 'RR-M11', productLine: 'RR', handoff: true });
  });

  it('every message carries the state it belongs to: what leads up to a question carries the question’s state', async () => {
    const first = await c.send("my roller won't vibrate anymore");
    expect(triage(first).map((i) => i?.state)).toEqual(['ask-model']);
    // "This sounds like…", the intro and the safety notes lead to the first step.
    const walk = await c.send("don't know");
    expect(texts(walk)[0]).toMatch(/^This sounds like/);
    expect(triage(walk).map((i) => i?.state)).toEqual(texts(walk).map(() => 'step'));
    // The last step's answer: "those checks did not fix it" and the ticket intro lead to the address question.
    let replies = walk;
    for (let n = 0; n < 10 && lastTriage(replies)?.state === 'step'; n++) replies = await c.send('not fixed');
    expect(texts(replies).join('\n')).toMatch(/did not fix it/);
    expect(triage(replies).map((i) => i?.state)).toEqual(texts(replies).map(() => 'ask-address'));
  });

  it('"agent" as the first message hands off; later messages wait for the person', async () => {
    const replies = await c.send('agent');
    expect(lastTriage(replies)).toMatchObject({ state: 'handed-off', handoff: true });
    expect(await handoffs()).toEqual([expect.objectContaining({ priority: 'normal' })]);
    const later = await c.send('hello? is anyone there?');
    expect(lastTriage(later)?.state).toBe('waiting-for-person');
    const described = await c.send('the remote control of the pump truck is broken');
    expect(triage(described).map((i) => i?.state)).toEqual(['waiting-for-person']);
    // "start over" goes back to the assistant.
    expect(lastTriage(await c.send('start over'))?.state).toBe('restarted');
  });

  it('"start over" as the first message restarts; "release agent" in a description is a fault, not a command', async () => {
    expect(lastTriage(await c.send('start over'))?.state).toBe('restarted');
    const replies = await c.send('the release agent spray on the paver is not working');
    expect(triage(replies).some((i) => i?.state === 'handed-off' || i?.handoff)).toBe(false);
    expect(lastTriage(replies)?.productLine).toBe('PV');
  });

  it('requests that are not faults get an answer, not the machine question', async () => {
    for (const text of [
      'I need a copy of the invoice',
      'how much is a new hydraulic pump',
      '我要开发票',
      'Hallo, meine Walze springt nicht an. Können Sie mir helfen?',
      '👍',
    ]) {
      const replies = await c.send(text);
      expect([text, lastTriage(replies)?.state]).toEqual([text, 'intent']);
      expect(texts(replies).join(' ')).not.toMatch(/Which machine|哪种设备/);
    }
  });

  it('"where is my ticket?" with no ticket in the conversation says so', async () => {
    const replies = await c.send('where is my ticket?');
    expect(lastTriage(replies)?.state).toBe('ticket-status');
    expect(lastText(replies)).toMatch(/cannot find a ticket/);
  });
});
