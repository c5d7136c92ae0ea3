import { startChannel, type TestChannel } from './support/channel.js';
import { startTestServer, type TestServer } from './support/server.js';

/**
 * A whole call as the telephony channel holds it: activities POSTed to /api/messages
 * (loopback serviceUrl, the real Bot Framework adapter), the bot's replies POSTed back to
 * the channel. Every reply carries an inputHint; `speak` is SSML in the conversation's
 * language with botbuilder's voice element, no Markdown, the choices said as words with
 * their keypad numbers; a keypad digit (DTMF) is that numbered choice.
 */

interface Reply {
  type: string;
  text?: string;
  speak?: string;
  inputHint?: string;
  channelData?: { triage?: { state: string; lang: string; faultId?: string } };
}

describe('a phone call through the telephony channel', () => {
  let s: TestServer;
  let channel: TestChannel;
  const received: Reply[] = [];

  beforeAll(async () => {
    s = await startTestServer();
    channel = await startChannel((_path, body) => received.push(body as Reply));
  }, 120_000);
  afterAll(async () => {
    channel.close();
    await s.stop();
  });

  let seq = 0;
  /** One caller turn; returns the bot's messages answering it. */
  const call = async (conversation: string, activity: Record<string, unknown>): Promise<Reply[]> => {
    const from = received.length;
    const res = await fetch(`${s.base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        channelId: 'telephony',
        serviceUrl: channel.serviceUrl,
        id: `call-${++seq}`,
        conversation: { id: conversation },
        from: { id: '+8613800138000', role: 'user' },
        recipient: { id: 'bot', role: 'bot' },
        timestamp: new Date().toISOString(),
        ...activity,
      }),
    });
    expect(res.status).toBe(200);
    return received.slice(from).filter((a) => a.type === 'message');
  };
  const say = (conversation: string, text: string, locale = 'en-US') => call(conversation, { type: 'message', text, locale });

  /** What every spoken reply must be on the phone. */
  const phoneReady = (replies: Reply[], lang: 'en-US' | 'zh-CN') => {
    expect(replies.length).toBeGreaterThan(0);
    for (const r of replies) {
      expect(['expectingInput', 'acceptingInput', 'ignoringInput']).toContain(r.inputHint);
      expect(r.speak).toMatch(
        new RegExp(`^<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='${lang}'><voice name='[^']+'>`),
      );
      expect(r.speak).not.toMatch(/\*\*|^\s*- |\n- /m);
    }
    // Only the last reply of a turn may invite an answer.
    for (const r of replies.slice(0, -1)) expect(r.inputHint).toBe('ignoringInput');
    expect(['expectingInput', 'acceptingInput']).toContain(replies.at(-1)!.inputHint);
  };

  it('holds an English call to the end with keypad digits for the choices', async () => {
    const id = 'tel-en-1';
    phoneReady(await call(id, { type: 'conversationUpdate', membersAdded: [{ id: '+8613800138000' }], locale: 'en-US' }), 'en-US');
    const first = await say(id, 'the hydraulic oil on my pump truck gets too hot');
    phoneReady(first, 'en-US');
    expect(first.at(-1)!.inputHint).toBe('expectingInput'); // a question: the model or serial
    let replies = await say(id, 'skip');
    phoneReady(replies, 'en-US');
    // Whatever question the flow asks now, its choices are spoken with their numbers.
    for (let i = 0; i < 3 && replies.at(-1)?.channelData?.triage?.state !== 'step'; i++) replies = await say(id, '1');
    const step = replies.at(-1)!;
    expect(step.channelData?.triage?.state).toBe('step');
    expect(step.speak).toMatch(/You can say: Fixed; .*Or press 1 to \d\./);
    // "2" on the keypad is the second choice ("not fixed / checked, next"), never "Fixed".
    const next = await say(id, '2');
    phoneReady(next, 'en-US');
    expect(next.some((r) => r.channelData?.triage?.state === 'resolved')).toBe(false);
    // An emergency on the phone: answered at once, spoken, in the call's language.
    const danger = await say(id, 'wait, the engine is on fire');
    phoneReady(danger, 'en-US');
    expect(danger[0]!.speak).toMatch(/119/);
    expect(danger.every((r) => r.channelData?.triage?.state === 'danger')).toBe(true);
  });

  it('speaks Chinese in Chinese', async () => {
    const id = 'tel-zh-1';
    const replies = await say(id, '塔吊吊钩起升不动了', 'zh-CN');
    phoneReady(replies, 'zh-CN');
    expect(replies.at(-1)!.channelData?.triage?.lang).toBe('zh');
  });
});
