import type { SuggestionEngine } from '../src/retrieval/engine.js';
import { stopWorkSteps } from '../src/knowledge/safety.js';
import { Conversation, engine, kb, lastText, texts } from './support/bot.js';
import { BACKENDS } from './support/databases.js';

/** "Stop, make safe" in the bot: the product line's stop-work list, then straight to escalation. */
describe('stop-work faults in the conversation', () => {
  let eng: SuggestionEngine;
  beforeAll(async () => {
    eng = await engine();
  }, 120_000);

  const open = BACKENDS[0]![1];

  it("tells a tower-crane operator the crane's own stop-work steps (free-slew before isolation), not one generic sentence", async () => {
    const t = await open();
    try {
      const c = new Conversation(t.db, eng);
      await c.send('塔吊起升刹车打滑，吊着的东西自己往下溜');
      const replies = await c.send('跳过');
      const all = texts(replies).join('\n');
      expect(all).toMatch(/请立即停机并确保安全/);
      for (const step of stopWorkSteps(kb, 'TC', 'zh')) expect(all).toContain(step);
      expect(all).not.toMatch(/第 1 步/);
      expect(lastText(replies)).toMatch(/工地地址/);
    } finally {
      await t.cleanup();
    }
  });
});
