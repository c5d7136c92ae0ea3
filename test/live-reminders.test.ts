import { addDays, today } from '../src/equipment/model.js';
import { eventually, StreamingChat } from './support/live.js';
import { api, KEYS, startTestServer, type TestServer } from './support/server.js';
import { ticketRequest } from './support/tickets.js';

/**
 * Maintenance reminders (issue 17) through the live desk's proactive mechanism: the
 * machine's contact is reminded of an inspection in the conversation a ticket for the
 * machine (or from the contact's phone) came from, in that conversation's language, once;
 * a contact without a conversation stays on the dispatcher's call list.
 */
describe('inspection reminders into the contact’s conversation', () => {
  let s: TestServer;
  const chats: StreamingChat[] = [];

  beforeAll(async () => {
    s = await startTestServer();
  }, 120_000);
  afterAll(async () => {
    for (const c of chats) c.close();
    await s?.stop();
  });

  /** A conversation whose language the bot has settled (it answered a first message). */
  const talk = async (text: string, lang: 'en' | 'zh') => {
    const chat = await StreamingChat.start(s.base);
    chats.push(chat);
    await chat.waitFor((a) => a.from.role === 'bot', 'the greeting');
    const mark = chat.activities.length;
    await chat.say(s.base, text);
    await chat.waitFor((a) => a.from.role === 'bot' && a.type === 'message', 'the answer', mark);
    await eventually(
      () => s.app.services().live!.directory.get(chat.conversationId),
      (k) => k?.language === lang,
      `the conversation kept as ${lang}`,
    );
    return chat;
  };

  it('reminds each contact once, in their conversation and language, and lists who has none', async () => {
    const en = await talk('the outriggers on my pump truck will not come down', 'en');
    const zh = await talk('塔吊吊不起来', 'zh');
    const accepted = addDays(today(), -25); // the first-month visit is due in five days: inside the reminder week
    const csv = [
      'serial,model,product_line,customer,site,accepted_on,warranty_months,contact_phone,plan',
      `PT-REM-0001,56X-6RZ,PT,Harbour Construction,"88 Binjiang Rd, Shanghai",${accepted},24,136 0000 0001,premium`,
      `TC-REM-0002,QTZ125,TC,浦东建工,张江工地,${accepted},24,138 0000 1111,standard`,
      `RR-REM-0003,XS265,RR,Minhang Roads,Ring road lot 4,${accepted},24,137 5555 6666,standard`,
    ].join('\n');
    const imported = await fetch(`${s.base}/api/equipment/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'text/csv' },
      body: csv,
    });
    expect(imported.status).toBe(200);

    // The pump's ticket came from the English chat (by serial); the crane's from the Chinese one (by the contact's phone, no serial).
    for (const [key, body] of [
      [
        'reminder-pt',
        ticketRequest({
          reference: `directline:${en.conversationId}`,
          equipment: { productLine: 'PT', model: '56X-6RZ', serial: 'PT-REM-0001' },
        }),
      ],
      [
        'reminder-tc',
        ticketRequest({
          reference: `directline:${zh.conversationId}`,
          equipment: { productLine: 'TC', model: 'QTZ125' },
          faults: [{ id: 'TC-E01', confidence: 0.8 }],
          stepsTried: [],
          contact: { name: '李工', phone: '+86 138 0000 1111' },
        }),
      ],
    ] as const) {
      const res = await api(s.base, KEYS.agent, 'POST', '/api/tickets', body, { 'idempotency-key': key });
      expect([key, res.status, res.status === 201 ? '' : await res.text()]).toEqual([key, 201, '']);
    }
    const enMark = en.activities.length;
    const zhMark = zh.activities.length;

    const list = async () =>
      (
        (await (await api(s.base, KEYS.dispatcher, 'GET', '/api/inspections/reminders')).json()) as {
          reminders: { serial: string; dueOn: string; reminded: boolean }[];
        }
      ).reminders;
    const first = await list();
    const of = (serial: string) => first.find((r) => r.serial === serial);
    expect(of('PT-REM-0001')).toMatchObject({ reminded: true });
    expect(of('TC-REM-0002')).toMatchObject({ reminded: true });
    expect(of('RR-REM-0003')).toMatchObject({ reminded: false });

    const dueDay = String(Number(of('PT-REM-0001')!.dueOn.slice(8, 10)));
    const enText = (
      await en.waitFor(
        (a) => /^Maintenance reminder: your 56X-6RZ \(serial PT-REM-0001\)/.test(a.text ?? ''),
        'the English reminder',
        enMark,
      )
    ).text!;
    expect(enText).toContain('88 Binjiang Rd, Shanghai');
    expect(enText).toMatch(new RegExp(`inspection on \\w{3},? ${dueDay} \\w{3}`));
    expect(enText).toMatch(/Why then: Within the first month after acceptance/);
    const zhText = (await zh.waitFor((a) => /^保养提醒：/.test(a.text ?? ''), 'the Chinese reminder', zhMark)).text!;
    expect(zhText).toContain('QTZ125（出厂编号 TC-REM-0002）');
    expect(zhText).toContain(`${dueDay}日`);
    expect(zhText).not.toMatch(/[A-Za-z]{5,}/);

    // Looking again (the list, the hourly sweep) reminds nobody twice; the one without a conversation is still to call.
    const again = await list();
    expect(again.find((r) => r.serial === 'PT-REM-0001')).toMatchObject({ reminded: true });
    expect(again.find((r) => r.serial === 'RR-REM-0003')).toMatchObject({ reminded: false });
    await s.app.services().live!.sweep();
    await new Promise((r) => setTimeout(r, 500));
    expect(en.botTexts().filter((t) => t.startsWith('Maintenance reminder'))).toHaveLength(1);
    expect(zh.botTexts().filter((t) => t.startsWith('保养提醒'))).toHaveLength(1);
  });
});
