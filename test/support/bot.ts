import { RosterStore } from '../../src/roster/store.js';
import { TestAdapter, type Activity } from 'botbuilder';
import { join } from 'node:path';
import { createBot } from '../../src/bot/create-bot.js';
import { GapStore } from '../../src/feedback/gap-store.js';
import { loadKnowledge } from '../../src/knowledge/load.js';
import type { SuggestionEngine } from '../../src/retrieval/engine.js';
import { openEngine } from '../../src/retrieval/open-engine.js';
import type { Database } from '../../src/storage/database.js';
import { TicketService } from '../../src/tickets/service.js';
import { TicketStore } from '../../src/tickets/store.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './paths.js';

export const kb = loadKnowledge(KNOWLEDGE_DIR);

let shared: Promise<SuggestionEngine> | undefined;
/** The real engine with the real English encoder; its index is cached under var/test. */
export function engine(): Promise<SuggestionEngine> {
  shared ??= openEngine({ dataDir: join(REPO_ROOT, 'var', 'test'), knowledgeDir: KNOWLEDGE_DIR, embedder: { kind: 'use' } }, undefined, kb);
  return shared;
}

/** A conversation with the bot through botbuilder's TestAdapter, turn by turn. */
export class Conversation {
  readonly adapter: TestAdapter;
  readonly tickets: TicketService;
  readonly parts: ReturnType<typeof createBot>;

  constructor(db: Database, eng: SuggestionEngine, conversationId = 'conv-1') {
    const gaps = new GapStore(db);
    this.tickets = new TicketService(kb, new TicketStore(db), gaps, new RosterStore(db));
    this.parts = createBot({ db, knowledgeDir: KNOWLEDGE_DIR, engine: eng, kb, tickets: this.tickets, gaps });
    this.adapter = new TestAdapter(async (ctx) => this.parts.bot.run(ctx), {
      channelId: 'test',
      serviceUrl: 'https://test.invalid',
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: 'test' },
      from: { id: 'operator-1', name: 'Operator' },
      recipient: { id: 'bot', name: 'Triage bot' },
    });
  }

  /** Sends one message; returns every activity the bot sent in reply. */
  async send(text: string): Promise<Partial<Activity>[]> {
    await this.adapter.receiveActivity(text);
    return this.adapter.activeQueue.splice(0);
  }

  async join(): Promise<Partial<Activity>[]> {
    await this.adapter.receiveActivity({
      type: 'conversationUpdate',
      membersAdded: [{ id: 'operator-1', name: 'Operator' }],
    });
    return this.adapter.activeQueue.splice(0);
  }
}

export const texts = (activities: Partial<Activity>[]) => activities.filter((a) => a.type === 'message').map((a) => a.text ?? '');
export const lastText = (activities: Partial<Activity>[]) => texts(activities).at(-1) ?? '';
export const actions = (activities: Partial<Activity>[]) =>
  activities.flatMap((a) => a.suggestedActions?.actions ?? []).map((a) => String(a.value ?? a.title));
