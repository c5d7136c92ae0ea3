import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConversationState, MemoryStorage, type Activity, type Middleware } from 'botbuilder';
import { DialogTestClient } from 'botbuilder-testing';
import { parse } from 'yaml';
import { z } from 'zod';
import type { TriageDeps } from '../dialogs/deps.js';
import { MainDialog } from '../dialogs/main-dialog.js';
import { newSession, type TriageSession } from '../dialogs/session.js';
import { HandoffStore, OutcomeStore } from '../src/records/triage-records.js';
import { SiteInputs } from '../src/conversation/site-inputs.js';
import { answerRecognizers } from '../src/conversation/recognizers/index.js';
import { setTriage, triageStampMiddleware, type TriageInfo } from '../src/conversation/triage-state.js';
import { GapStore } from '../src/feedback/gap-store.js';
import { MediaStore } from '../src/media/store.js';
import { RosterStore } from '../src/roster/store.js';
import { TicketService } from '../src/tickets/service.js';
import { TicketStore } from '../src/tickets/store.js';
import { kb } from './support/bot.js';
import { BACKENDS, type TestDatabase } from './support/databases.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';
import { StubEngine } from './support/stub-engine.js';

/**
 * Table-driven dialog tests, as botbuilder intends: MainDialog in DialogTestClient with
 * a stub engine, the conversations as data (test/fixtures/dialog-cases/*.yaml), free
 * text at every prompt in English and Chinese.
 */
const CASES = join(REPO_ROOT, 'test', 'fixtures', 'dialog-cases');
const oneOrMany = z.union([z.string(), z.array(z.string())]);
const turnSchema = z
  .object({
    user: z.string(),
    state: oneOrMany.optional(),
    productLine: z.string().optional(),
    faultId: z.string().nullable().optional(),
    text: oneOrMany.optional(),
    notText: oneOrMany.optional(),
    handoff: z.boolean().optional(),
    ticket: z.boolean().optional(),
  })
  .strict();
const caseSchema = z
  .object({
    id: z.string(),
    turns: z.array(turnSchema).min(1),
    session: z.record(z.unknown()).optional(),
    steps: z.array(z.record(z.unknown())).optional(),
  })
  .strict();
type Case = z.infer<typeof caseSchema> & { lang: 'en' | 'zh' };

const load = (lang: 'en' | 'zh'): Case[] =>
  z
    .array(caseSchema)
    .parse(parse(readFileSync(join(CASES, `${lang}.yaml`), 'utf8')))
    .map((c) => ({ ...c, lang }));
const cases = [...load('en'), ...load('zh')];
const list = (x: string | string[] | undefined) => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

it('has at least 60 conversations and 150 turns, in both languages', () => {
  expect(cases.length).toBeGreaterThanOrEqual(60);
  expect(cases.reduce((n, c) => n + c.turns.length, 0)).toBeGreaterThanOrEqual(150);
  expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  expect(cases.filter((c) => c.lang === 'zh').length).toBeGreaterThanOrEqual(25);
});

describe('dialog table', () => {
  const engine = new StubEngine(join(CASES, 'stub-manual.yaml'), kb);
  let t: TestDatabase;
  beforeAll(async () => {
    t = await BACKENDS[0]![1]();
  });
  afterAll(() => t.cleanup());

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const conversationState = new ConversationState(new MemoryStorage());
    const sessionAccessor = conversationState.createProperty<TriageSession>('triage');
    const tickets = new TicketService(kb, new TicketStore(t.db), new GapStore(t.db), new RosterStore(t.db));
    const deps: TriageDeps = {
      engine,
      kb,
      tickets,
      gaps: new GapStore(t.db),
      handoffs: new HandoffStore(t.db),
      outcomes: new OutcomeStore(t.db),
      session: sessionAccessor,
      site: new SiteInputs(conversationState, new MediaStore(t.db), tickets),
      answers: answerRecognizers(KNOWLEDGE_DIR),
    };
    // The conversation's language, as the turn handler keeps it; the session as the turn left it.
    let kept: TriageSession | undefined;
    const language: Middleware = {
      async onTurn(ctx, next) {
        const s = await sessionAccessor.get(ctx, newSession(c.lang));
        s.lang = c.lang;
        setTriage(ctx, { lang: c.lang, productLine: s.productLine, faultId: s.faultId });
        await next();
        kept = JSON.parse(JSON.stringify(await sessionAccessor.get(ctx))) as TriageSession;
      },
    };
    const client = new DialogTestClient(
      'test',
      new MainDialog(deps),
      { text: c.turns[0]!.user },
      [language, triageStampMiddleware],
      conversationState,
    );
    for (const [i, turn] of c.turns.entries()) {
      const where = `${c.id} turn ${i + 1} "${turn.user}"`;
      const replies: Partial<Activity>[] = [];
      let reply: Partial<Activity> | undefined = await client.sendActivity({
        type: 'message',
        text: turn.user,
        conversation: { id: c.id } as Activity['conversation'],
      });
      while (reply) {
        replies.push(reply);
        reply = client.getNextReply();
      }
      const messages = replies.filter((a) => a.type === 'message');
      const info = messages.map((a) => (a.channelData as { triage?: TriageInfo } | undefined)?.triage);
      const last = info.at(-1);
      const said = messages.map((a) => a.text ?? '').join('\n');
      const states = list(turn.state);
      if (states.length)
        expect({ where, state: last?.state }).toEqual({
          where,
          state: states.includes(last?.state ?? '') ? last?.state : `one of ${states.join(', ')}`,
        });
      if (turn.productLine) expect({ where, productLine: last?.productLine }).toEqual({ where, productLine: turn.productLine });
      if (turn.faultId !== undefined) expect({ where, faultId: last?.faultId ?? null }).toEqual({ where, faultId: turn.faultId });
      for (const re of list(turn.text)) expect({ where, said }).toEqual({ where, said: expect.stringMatching(new RegExp(re, 'i')) });
      for (const re of list(turn.notText)) expect({ where, said }).toEqual({ where, said: expect.not.stringMatching(new RegExp(re, 'i')) });
      if (turn.handoff) expect({ where, handoff: info.some((x) => x?.handoff) }).toEqual({ where, handoff: true });
      if (turn.ticket) expect({ where, ticket: info.some((x) => x?.ticket) }).toEqual({ where, ticket: true });
      // Every message says where the conversation stands.
      expect({ where, unstamped: info.filter((x) => !x).length }).toEqual({ where, unstamped: 0 });
    }
    const s = kept;
    for (const [key, want] of Object.entries(c.session ?? {})) {
      const got = (s as unknown as Record<string, unknown>)?.[key];
      if (want === null) expect({ key, got }).toEqual({ key, got: undefined });
      else
        expect({ key, got }).toEqual({ key, got: typeof want === 'object' && !Array.isArray(want) ? expect.objectContaining(want) : want });
    }
    for (const [i, want] of (c.steps ?? []).entries()) expect(s?.stepsTried[i]).toMatchObject(want);
  });
});
