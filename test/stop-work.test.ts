import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import type { SuggestionEngine } from '../src/retrieval/engine.js';
import { stopWorkSteps } from '../src/knowledge/safety.js';
import { actions, Conversation, engine, kb, lastText, texts } from './support/bot.js';
import { BACKENDS, type TestDatabase } from './support/databases.js';
import { REPO_ROOT } from './support/paths.js';

/**
 * The stop-work entries of issue 10: found first for typical descriptions (written for
 * this test, not copied from the entries' phrasings), winning over the close
 * self-service entry for a dangerous description, and "stop, make safe" in the bot.
 */
const descriptions = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/stop-work-descriptions.json'), 'utf8')) as Record<
  string,
  [string, string]
>;
const closePairs = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/stop-work-close-pairs.json'), 'utf8')) as {
  text: string;
  stopWork: string;
  close: string;
}[];
const cases = Object.entries(descriptions).flatMap(([id, [en, zh]]) => [
  [id, 'en', en],
  [id, 'zh', zh],
]) as [string, 'en' | 'zh', string][];

let eng: SuggestionEngine;
beforeAll(async () => {
  eng = await engine();
}, 120_000);

describe('the stop-work entries in the manual', () => {
  it('exist with their fixed ids, stop-work level, 6–8 phrasings per language and default review', () => {
    expect(Object.keys(descriptions)).toHaveLength(28);
    for (const id of Object.keys(descriptions)) {
      const f = kb.faultsById.get(id);
      expect([id, f?.self_service]).toEqual([id, id === 'CP-E14' ? 'yes' : 'no']);
      expect([
        id,
        f!.symptoms.en.length >= 6 && f!.symptoms.en.length <= 8,
        f!.symptoms.zh.length >= 6 && f!.symptoms.zh.length <= 8,
      ]).toEqual([id, true, true]);
      expect(f!.review.status).toBe('default');
      if (f!.self_service === 'no')
        expect([id, f!.causes.every((c) => c.checks.concat(c.fixes).some((s) => s.by === 'technician'))]).toEqual([id, true]);
    }
  });
});

describe('retrieval of the stop-work entries', () => {
  it.each(cases)('%s is found first (%s): %s', async (id, _lang, text) => {
    const res = await eng.suggest(text, { limit: 3 });
    expect([res.abstain, res.results[0]?.id]).toEqual([false, id]);
  });

  it.each(closePairs.map((p) => [p.stopWork, p.close, p.text]))('%s wins over the close entry %s for: %s', async (stop, close, text) => {
    const ids = (await eng.suggest(text, { limit: 5 })).results.map((r) => r.id);
    expect(ids[0]).toBe(stop);
    if (ids.includes(close)) expect(ids.indexOf(stop)).toBeLessThan(ids.indexOf(close));
  });
});

describe('stop-work faults in the conversation', () => {
  const open = BACKENDS[0]![1];
  let t: TestDatabase;
  beforeEach(async () => {
    t = await open();
  });
  afterEach(() => t.cleanup());

  /**
   * Describes the fault, then answers what the bot asks on the way as an operator would:
   * the machine (when the words did not name it), Skip for the model, the description
   * again, or the entry from a short choice of close candidates.
   */
  async function describe_(c: Conversation, text: string, lang: 'en' | 'zh', id: string): Promise<Partial<Activity>[]> {
    const fault = kb.faultsById.get(id)!;
    const line = kb.policy.product_lines.find((l) => l.code === fault.product_line)!;
    const lineName = lang === 'zh' ? line.name.zh : line.name.en.charAt(0).toUpperCase() + line.name.en.slice(1);
    let replies = await c.send(text);
    for (let turn = 0; turn < 5; turn++) {
      const offered = actions(replies);
      const said = texts(replies).join('\n');
      if (/请立即停机并确保安全|make it safe|^Step 1 of|第 1 步/m.test(said)) break;
      if (offered.includes(lineName)) replies = await c.send(lineName);
      else if (offered.includes(lang === 'zh' ? '跳过' : 'Skip')) replies = await c.send(lang === 'zh' ? '跳过' : 'Skip');
      else if (offered.includes(fault.title[lang])) replies = await c.send(fault.title[lang]);
      else replies = await c.send(text);
    }
    return replies;
  }

  it.each(cases.filter(([id]) => id !== 'CP-E14'))(
    '%s (%s) gets "stop, make safe" at once and goes to a ticket or, when it is an emergency, to a person',
    async (id, lang, text) => {
      const c = new Conversation(t.db, eng, `conv-${id}-${lang}`);
      const replies = await describe_(c, text, lang, id);
      const all = texts(replies).join('\n');
      const fault = kb.faultsById.get(id)!;
      expect(all).not.toMatch(/Step 1 of|第 1 步/);
      const triage = replies.map((r) => (r.channelData as { triage?: { danger?: boolean; handoff?: boolean } } | undefined)?.triage);
      if (triage.some((x) => x?.danger)) {
        // Words that describe an emergency (a load sliding, a fire, a person at risk) are answered by the
        // turn level before any dialog: the emergency numbers and the entry's own first-minute
        // instructions at once, and an urgent handoff to a person instead of questions for a ticket.
        // (The entry's own notes when the detector recognises the entry, otherwise the line's stop-work steps.)
        expect(all).toMatch(/119|120/);
        const own = fault.safety.every((note) => all.includes(note[lang]));
        const line = stopWorkSteps(kb, fault.product_line, lang).every((step) => all.includes(step));
        expect(own || line).toBe(true);
        expect(triage.some((x) => x?.handoff)).toBe(true);
        return;
      }
      expect(all).toMatch(lang === 'zh' ? /请立即停机并确保安全/ : /Please stop the machine now and make it safe/);
      // The entry's own first-minute instructions are shown; the line's routine list only where it applies.
      for (const note of fault.safety) expect(all).toContain(note[lang]);
      const lineSteps = stopWorkSteps(kb, fault.product_line, lang);
      if (fault.stop_work === 'own') expect(all).not.toContain(lineSteps[0]);
      else for (const s of lineSteps) expect(all).toContain(s);
      expect(lastText(replies)).toMatch(lang === 'zh' ? /工地地址/ : /site address/);
    },
  );

  it("tells a tower-crane operator the crane's own stop-work steps (free-slew before isolation), not one generic sentence", async () => {
    const c = new Conversation(t.db, eng);
    const replies = await describe_(c, '塔吊起升刹车打滑，吊着的东西自己往下溜', 'zh', 'TC-M03');
    const all = texts(replies).join('\n');
    // A load sliding down by itself is an emergency: answered at once, before any dialog, with the crane's steps.
    expect(all).toMatch(/请立即停机并确保安全|这是紧急情况/);
    for (const step of stopWorkSteps(kb, 'TC', 'zh')) expect(all).toContain(step);
    expect(all.indexOf('自由回转')).toBeLessThan(all.indexOf('断开塔机总电源'));
    expect(lastText(replies)).toMatch(/工地地址|回电/);
  });

  it('walks a diesel trailer-pump start fault (CP-E14, self-service) through its operator steps', async () => {
    const c = new Conversation(t.db, eng);
    const replies = await describe_(c, descriptions['CP-E14']![0], 'en', 'CP-E14');
    expect(lastText(replies)).toMatch(/^Step 1 of \d+:/);
  });
});
