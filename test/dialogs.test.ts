import type { SuggestionEngine } from '../src/retrieval/engine.js';
import { operatorSteps } from '../src/knowledge/operator-steps.js';
import { actions, Conversation, engine, kb, lastText, texts } from './support/bot.js';
import { BACKENDS, type TestDatabase } from './support/databases.js';

describe.each(BACKENDS)('the triage conversation (%s state)', (_name, open) => {
  let t: TestDatabase;
  let eng: SuggestionEngine;
  let c: Conversation;
  beforeAll(async () => {
    eng = await engine();
  }, 120_000);
  beforeEach(async () => {
    t = await open();
    c = new Conversation(t.db, eng);
  });
  afterEach(() => t.cleanup());

  it('greets in both languages and says how to reach a person', async () => {
    const reply = lastText(await c.join());
    expect(reply).toMatch(/service assistant/);
    expect(reply).toMatch(/人工/);
    expect(reply).toMatch(/"agent"/);
  });

  it('resolves a fault by self-service, one step at a time, and records the outcome', async () => {
    const first = await c.send("my pump truck's boom won't move when I push the lever");
    expect(texts(first).join(' ')).not.toMatch(/Which machine/); // it was named already
    expect(lastText(first)).toMatch(/model or serial/);
    expect(actions(first)).toContain('Skip');
    const matched = await c.send('Skip');
    const all = texts(matched).join('\n');
    expect(all).toMatch(/This sounds like: Boom does not move/);
    expect(all).toMatch(/Safety first/);
    expect(lastText(matched)).toMatch(/^Step 1 of \d+:/);
    // The first step is a check: its "next" answer says it was checked.
    expect(actions(matched)).toEqual(['Fixed', 'Checked, next', "I can't do this", 'Talk to a person', "That's not my problem"]);
    expect(matched.every((a) => a.type !== 'message' || a.speak)).toBe(true);
    expect(lastText(await c.send('Checked, next'))).toMatch(/^Step 2 of/);
    expect(lastText(await c.send('Fixed'))).toMatch(/Glad that fixed it/);
    expect(await c.parts.outcomes.list('conv-1')).toEqual([expect.objectContaining({ outcome: 'resolved', fault_id: 'PT-H01' })]);
  });

  it('never offers technician steps: every step shown is an operator step of the entry', async () => {
    await c.send('tower crane trolley will not travel out along the jib');
    const replies = await c.send('TC-5013');
    const fault = kb.faultsById.get('TC-E04')!;
    const allowed = operatorSteps(fault).map((s) => s.en);
    expect(fault.self_service).toBe('checks-only');
    expect(allowed.length).toBeGreaterThan(0);
    expect(texts(replies).join('\n')).toMatch(/a technician job/);
    let last = replies;
    let reply = lastText(last);
    for (let i = 0; /^Step/.test(reply) && i < 30; i++) {
      expect(allowed).toContain(reply.replace(/^Step \d+ of \d+: /, ''));
      last = await c.send(actions(last)[1]!);
      reply = lastText(last);
    }
    expect(reply).toMatch(/site address/); // checks exhausted → escalation
  });

  it('escalates to a dispatch ticket, re-asking for a bad phone number, with the SLA promise', async () => {
    await c.send('the concrete pump truck outriggers will not come down');
    let last = await c.send('Skip');
    for (let i = 0; i < 30 && !/site address/.test(lastText(last)); i++) last = await c.send(actions(last)[1]!);
    const reply = lastText(last);
    expect(reply).toMatch(/site address/);
    expect(lastText(await c.send('Block 7, Riverside Logistics Park, Wuhan'))).toMatch(/Your name/);
    expect(lastText(await c.send('Chen Jun'))).toMatch(/phone number/);
    expect(lastText(await c.send('12345'))).toMatch(/does not look like a valid phone number/);
    expect(lastText(await c.send('139 1234 5678'))).toMatch(/machine down/);
    const summary = lastText(await c.send('Yes'));
    expect(summary).toMatch(/Please check: .*Riverside.*Chen Jun \+8613912345678/);
    const done = lastText(await c.send('Send it'));
    // A pump truck (premium tier) that is down: the tier's machine-down clocks, 1 h to respond, 6 h on site.
    expect(done).toMatch(
      /Your ticket number is FT-\d{4}-\d{6}\. A service coordinator will contact you with a plan within 1 hour, a technician will be on site within 6 hours/,
    );
    const [ticket] = await c.tickets.store.list();
    expect(ticket).toMatchObject({
      source: 'bot',
      machineDown: true,
      equipment: { productLine: 'PT' },
      faults: [{ id: 'PT-H08' }],
      contact: { name: 'Chen Jun', phone: '+8613912345678' },
      customer: { site: { address: 'Block 7, Riverside Logistics Park, Wuhan' } },
    });
    expect(ticket!.stepsTried.length).toBeGreaterThan(0);
    expect(ticket!.operatorWords).toMatch(/outriggers will not come down/);
  });

  it('takes a phone number typed in a sentence, or before it is asked for, and does not ask for it again', async () => {
    await c.send('the hoist rope on the tower crane has broken wires and a kink');
    expect(texts(await c.send('139 1234 5678')).join('\n')).toMatch(/I have your phone number: \+8613912345678\.\nWhere is the machine\?/);
    expect(lastText(await c.send('Lot 5, Harbour Road site, Ningbo'))).toMatch(/Your name/);
    // The phone question is not asked again: "is the machine down?" follows the name.
    expect(lastText(await c.send('Sam Lin'))).toMatch(/machine down/);
    const summary = lastText(await c.send('yes, totally dead'));
    expect(summary).toMatch(/Sam Lin \+8613912345678; machine down: Yes/);
    const other = new Conversation(t.db, eng, 'conv-phone-sentence');
    await other.send('the hoist rope on the tower crane has broken wires and a kink');
    await other.send('Lot 5, Harbour Road site, Ningbo');
    await other.send('Sam Lin');
    expect(lastText(await other.send('138 0013 8000 or 139 1234 5678'))).toMatch(/does not look like a valid phone number/);
    expect(lastText(await other.send('手机：139 1234 5678'))).toMatch(/machine down/);
  });

  it('answers what is said beside a step (a price, a question back) and asks the step again; "ok, checked" after the offer of a person is the step\'s answer', async () => {
    await c.send('roller water sprayer not spraying, drum picking up asphalt');
    const step1 = lastText(await c.send('skip'));
    expect(step1).toMatch(/^Step 1 of/);
    const price = texts(await c.send('how much is a new spray nozzle?'));
    expect(price.join('\n')).toMatch(/parts desk/);
    expect(price.at(-1)).toBe(step1);
    const question = texts(await c.send("what's a strainer?"));
    expect(question.join('\n')).toMatch(/I can't do this/);
    expect(question.at(-1)).toBe(step1);
    // Two answers it cannot read, then the offer: an answer to the step is still the step's answer.
    await c.send('blah');
    expect(lastText(await c.send('hmm'))).toMatch(/Shall I get a person/);
    expect(lastText(await c.send('ok, checked'))).toMatch(/^Step 2 of/);
  });

  it('changes the machine when the operator changes their mind at the model question', async () => {
    await c.send('roller');
    const changed = await c.send("actually it's the paver, not the roller");
    expect(lastText(changed)).toMatch(/What happens\?/);
    const walk = texts(await c.send("the auger won't turn")).join('\n');
    expect(walk).toMatch(/This sounds like: Auger/);
  });

  it('sends a fault that is not operator-serviceable straight to escalation with "stop, make safe"', async () => {
    // The safety advice comes before any question: no model question first.
    // (A load sliding down by itself is an emergency, answered by the turn level: test/turn-level.test.ts.)
    const replies = await c.send('塔吊钢丝绳断了好几根丝，还有扭结');
    const all = texts(replies).join('\n');
    expect(all).toMatch(/请立即停机并确保安全/);
    expect(all).not.toMatch(/第 1 步|型号/);
    expect(lastText(replies)).toMatch(/工地地址/);
    expect(replies.at(-1)?.channelData?.triage).toMatchObject({ state: 'ask-address', productLine: 'TC' });
    expect(replies.some((a) => a.channelData?.triage?.state === 'safety-stop')).toBe(true);
  });

  it('lets the operator reject a wrong match at the first step and matches again without it', async () => {
    await c.send("my pump truck's boom won't move when I push the lever");
    const first = await c.send('Skip');
    expect(texts(first).join(' ')).toMatch(/This sounds like: Boom does not move/);
    expect(lastText(await c.send("That's not my problem"))).toMatch(/my mistake/);
    const again = await c.send('the remote control shows no signal and the boom ignores it');
    const said = texts(again).join('\n');
    expect(said).not.toMatch(/This sounds like: Boom does not move/);
    expect(said).toMatch(/This sounds like: Remote control not working|could be one of these/);
  });

  it('offers a short choice when candidates are close, and goes on with the one picked', async () => {
    await c.send('paver');
    await c.send('Skip');
    // Two complaints, each another entry's: the operator chooses.
    const replies = await c.send("material isn't reaching the screed, either the slat conveyor or the augers aren't running");
    expect(lastText(replies)).toMatch(/could be one of these/);
    const auger = kb.faultsById.get('PV-H03')!.title.en;
    // Listed in full and numbered in the text, with full-length buttons on a card.
    expect(lastText(replies)).toMatch(new RegExp(`\\d\\. ${auger.replace(/[()/]/g, '.')}`));
    const buttons = replies
      .flatMap((a) => a.attachments ?? [])
      .flatMap((a) => (a.content as { buttons?: { title: string }[] }).buttons ?? [])
      .map((b) => b.title);
    expect(buttons.length).toBeGreaterThanOrEqual(3);
    expect(buttons.at(-1)).toBe('None of these');
    expect(buttons).toContain(auger);
    const picked = await c.send(auger);
    expect(lastText(picked)).toMatch(/^Step 1 of/);
    expect(lastText(await c.send('Talk to a person'))).toMatch(/handing you over/);
  });

  it('asks one clarifying question when unsure, then offers a person and hands off', async () => {
    await c.send('paver');
    await c.send('Skip');
    expect(lastText(await c.send('something is weird with it today'))).toMatch(/tell me more/);
    const unsure = await c.send('not sure, it just seems off');
    expect(lastText(unsure)).toMatch(/get a person/);
    const handoff = await c.send('Yes, get a person');
    const event = handoff.find((a) => a.type === 'event');
    expect(event?.name).toBe('handoff.initiate');
    expect(JSON.stringify(event?.attachments)).toMatch(/something is weird/);
    expect(lastText(handoff)).toMatch(/handing you over/);
    expect(await c.parts.handoffs.list()).toHaveLength(1);
  });

  it('hands off at any point on "人工", and restarts on "start over"', async () => {
    await c.send('泵车');
    const handoff = await c.send('转人工');
    expect(handoff.some((a) => a.type === 'event' && a.name === 'handoff.initiate')).toBe(true);
    expect(lastText(handoff)).toMatch(/转接人工客服/);
    await c.send('road roller drum will not vibrate');
    expect(lastText(await c.send('start over'))).toMatch(/start over/);
    // (a greeting now gets a greeting; test/turn-level.test.ts)
    expect(lastText(await c.send('it is broken'))).toMatch(/Which machine/);
  });

  it('continues a conversation after a restart (state in the database)', async () => {
    await c.send('my pump truck boom is very slow');
    const restarted = new Conversation(t.db, eng);
    expect(lastText(await restarted.send('Skip'))).toMatch(/^Step 1 of/);
  });

  it('answers bad input helpfully instead of failing', async () => {
    expect(lastText(await c.send(''))).toMatch(/Describe the problem/);
    await c.send('Concrete pump truck');
    await c.send('Skip');
    expect(lastText(await c.send('🙂🙂🙂'))).toMatch(/did not get any words/);
    const huge = await c.send('boom will not move '.repeat(600));
    expect(texts(huge).join(' ')).toMatch(/long message|This sounds like|could be one of/);
    expect(lastText(await c.send('Ceci est une phrase en français sans rapport'))).toBeTruthy();
  });
});
