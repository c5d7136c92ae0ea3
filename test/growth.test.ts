import { join } from 'node:path';
import { openEngine } from '../src/retrieval/open-engine.js';
import type { SuggestionEngine } from '../src/retrieval/engine.js';
import { MAX_GAP_TEXT } from '../src/feedback/gap-text.js';
import { MAX_GAPS } from '../dialogs/session.js';
import { Conversation, kb } from './support/bot.js';
import { sqliteDatabase, type TestDatabase } from './support/databases.js';
import { reportFigures } from './support/figures.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';

/**
 * A stranger keeps one anonymous conversation going for TURNS turns through the real bot
 * and its state storage: vague descriptions (each clarification used to be appended to the
 * description, which went whole into a knowledge gap, one gap per round), messages near
 * the 10,000-character limit, both languages, and whatever the bot's buttons offer except
 * a person. What the conversation keeps must stay bounded however long it goes on.
 */
const TURNS = Number(process.env.GROWTH_TURNS ?? 10_000);
/** Transcript (60 lines of at most 1,000 characters), description (2,000), steps tried (100), dialog stack. */
const STATE_BOUND = 160_000;

const VAGUE = [
  'something is off with it',
  'it is acting strange again',
  '它有点不对劲',
  'not sure what is happening',
  '还是不太正常',
  'it does the thing from yesterday',
];
/** Buttons the stranger takes when offered, in this order; never "a person" (that ends the bot's part). */
const PREFERRED = [
  'None of these',
  '都不是',
  'Let me describe it again',
  '我再描述一下',
  'Skip',
  '跳过',
  'Not fixed, next',
  '没好，下一步',
  'Checked, next',
  '查过了，下一步',
  'No',
  '不是',
];
const PERSON = /person|人工|agent/i;

function say(i: number, offered: string[]): string {
  const button = PREFERRED.find((p) => offered.includes(p)) ?? offered.filter((o) => !PERSON.test(o))[i % Math.max(1, offered.length)];
  if (i % 53 === 0) return i % 2 === 0 ? 'start over' : '重新开始'; // and round again
  if (button && i % 11 !== 0) return button;
  if (i % 97 === 0) return `${'it is acting strange and makes a noise '.repeat(240)} #${i}`; // ~9,400 characters
  return `${VAGUE[i % VAGUE.length]} — note ${i}`;
}

describe('a very long anonymous conversation', () => {
  let t: TestDatabase;
  let engine: SuggestionEngine;
  beforeAll(async () => {
    t = await sqliteDatabase();
    engine = await openEngine(
      { dataDir: join(REPO_ROOT, 'var', 'test'), knowledgeDir: KNOWLEDGE_DIR, embedder: { kind: 'none' } },
      undefined,
      kb,
    );
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    await t?.cleanup();
  });

  it(`keeps bounded state over ${TURNS} turns`, async () => {
    const c = new Conversation(t.db, engine, 'growth-1');
    await c.join();
    const stateBytes = async () => {
      const rows = await t.db.query<{ doc: string }>(`SELECT doc FROM bot_state WHERE key = $1`, ['test/conversations/growth-1/']);
      return Buffer.byteLength(rows[0]?.doc ?? '');
    };
    const samples: number[] = [];
    let offered: string[] = [];
    for (let i = 1; i <= TURNS; i++) {
      const replies = await c.send(say(i, offered));
      offered = replies.flatMap((a) => a.suggestedActions?.actions ?? []).map((a) => String(a.title ?? a.value));
      if (i % (TURNS / 10) === 0) samples.push(await stateBytes());
    }
    const gaps = (
      await t.db.query<{ n: number; longest: number }>(
        `SELECT COUNT(*) AS n, COALESCE(MAX(LENGTH(text)), 0) AS longest FROM knowledge_gaps`,
      )
    )[0]!;
    const tickets = (await t.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM tickets`))[0]!;
    reportFigures('growth', {
      turns: TURNS,
      stateBytesFirstTenth: samples[0],
      stateBytesMax: Math.max(...samples),
      stateBytesLast: samples.at(-1),
      gapRows: Number(gaps.n),
      gapLongest: Number(gaps.longest),
      tickets: Number(tickets.n),
    });
    expect(Math.max(...samples)).toBeLessThan(STATE_BOUND);
    expect(Number(gaps.longest)).toBeLessThanOrEqual(MAX_GAP_TEXT);
    expect(Number(gaps.n)).toBeLessThanOrEqual(MAX_GAPS);
  }, 1_200_000);
});
