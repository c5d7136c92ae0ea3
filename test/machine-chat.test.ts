import { TestAdapter, type Activity } from 'botbuilder';
import { createBot } from '../src/bot/create-bot.js';
import { warrantyEnd } from '../src/equipment/model.js';
import { serialCandidates } from '../src/equipment/recognise.js';
import { EquipmentStore } from '../src/equipment/store.js';
import { GapStore } from '../src/feedback/gap-store.js';
import type { SuggestionEngine } from '../src/retrieval/engine.js';
import { TicketService } from '../src/tickets/service.js';
import { TicketStore } from '../src/tickets/store.js';
import { RosterStore } from '../src/roster/store.js';
import { engine, kb, lastText, texts } from './support/bot.js';
import { KNOWLEDGE_DIR } from './support/paths.js';
import { sqliteDatabase, type TestDatabase } from './support/databases.js';

/** The bot knows the machine by its serial: typed at the model question or in the first message. */
describe('the bot and the installed base', () => {
  let t: TestDatabase;
  let eng: SuggestionEngine;
  let adapter: TestAdapter;
  let n = 0;
  beforeAll(async () => {
    eng = await engine();
    t = await sqliteDatabase();
    const machines = new EquipmentStore(t.db);
    const at = new Date().toISOString();
    await machines.upsertAll(
      [
        {
          serial: 'PT56X-2026-0012',
          model: '56X-6RZ',
          productLine: 'PT',
          customer: 'Harbour Construction',
          site: '88 Binjiang Rd, Shanghai',
          acceptedOn: '2026-03-15',
          warrantyMonths: 24,
          warrantyEnd: warrantyEnd('2026-03-15', 24),
          plan: 'premium',
        },
        {
          serial: 'TC7020-2023-0003',
          model: 'TC7020',
          productLine: 'TC',
          customer: '闽江塔吊租赁',
          site: '福州',
          acceptedOn: '2023-01-10',
          warrantyMonths: 12,
          warrantyEnd: warrantyEnd('2023-01-10', 12),
          plan: 'standard',
        },
      ],
      at,
    );
  }, 120_000);
  afterAll(() => t.cleanup());
  beforeEach(() => {
    const gaps = new GapStore(t.db);
    const lookup = (serial: string) => new EquipmentStore(t.db).get(serial);
    const tickets = new TicketService(kb, new TicketStore(t.db), gaps, new RosterStore(t.db), undefined, lookup);
    const parts = createBot({ db: t.db, knowledgeDir: KNOWLEDGE_DIR, engine: eng, kb, tickets, gaps, machines: lookup });
    adapter = new TestAdapter(async (ctx) => parts.bot.run(ctx), {
      channelId: 'test',
      serviceUrl: 'https://test.invalid',
      conversation: { id: `machine-${++n}`, isGroup: false, conversationType: 'personal', name: 'test' },
      from: { id: 'operator-1', name: 'Operator' },
      recipient: { id: 'bot', name: 'Triage bot' },
    });
  });
  const send = async (text: string): Promise<Partial<Activity>[]> => {
    await adapter.receiveActivity(text);
    return adapter.activeQueue.splice(0);
  };

  it('finds serials in what people type, not model names or numbers', () => {
    expect(serialCandidates('my serial is pt56x-2026-0012.')).toEqual(['PT56X-2026-0012']);
    expect(serialCandidates('56X, about 2000 hours')).toEqual([]);
    expect(serialCandidates('编号TC7020-2023-0003的塔吊')).toContain('TC7020-2023-0003');
  });

  it('says what it found for a serial typed at the model question', async () => {
    expect(lastText(await send("my pump truck's boom won't move"))).toMatch(/serial number/);
    const found = texts(await send('it is pt56x-2026-0012'));
    expect(found[0]).toBe(
      'I found your machine: a 56X-6RZ concrete pump truck of Harbour Construction (serial PT56X-2026-0012), in warranty until 2028-03-14.',
    );
    expect(found.join(' ')).toMatch(/This sounds like: Boom/);
  });

  it('recognises a serial in the first message: line, model and warranty from the record, no machine questions', async () => {
    const first = texts(await send('塔吊 TC7020-2023-0003 起升不动了，吊不起来'));
    expect(first[0]).toBe('已找到这台设备：闽江塔吊租赁的TC7020塔机（编号 TC7020-2023-0003），三包期已于2024-01-09结束。');
    expect(first.join(' ')).not.toMatch(/出厂编号|哪种设备/);
  });

  it('keeps an unknown serial as the model the operator typed', async () => {
    await send("my pump truck's boom won't move");
    const reply = texts(await send('XX99-0000-1234'));
    expect(reply.join(' ')).not.toMatch(/found your machine/);
    expect(reply.join(' ')).toMatch(/This sounds like/);
  });
});
