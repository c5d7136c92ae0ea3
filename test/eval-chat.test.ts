import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTurn, type BotReply } from '../src/evaluation/chat/checks.js';
import { ConversationSetError, readConversationSet, type ConversationSet } from '../src/evaluation/chat/conversation-set.js';
import { resultLine, runConversationSet, summarise } from '../src/evaluation/chat/run.js';
import { startTestServer, type TestServer } from './support/server.js';

/**
 * `npm run eval:chat`: the turn checks of the conversation file format, the file's
 * validation, and whole scripted conversations played over the real server's Direct
 * Line (a passing one and one whose expectations the bot cannot meet).
 */

const reply = (text: string, triage?: BotReply['triage'], inputHint = 'acceptingInput'): BotReply => ({
  text,
  triage,
  inputHint,
  buttons: [],
});

describe('checkTurn', () => {
  const replies = [
    reply('Please stop the machine now and make it safe. Call 119.', {
      state: 'danger',
      lang: 'en',
      danger: true,
      handoff: true,
      productLine: 'PT',
    }),
    reply(
      'What is your phone number?',
      { state: 'ask-phone', lang: 'en', danger: true, handoff: true, productLine: 'PT' },
      'expectingInput',
    ),
  ];
  test.each([
    ['state of the last reply', { state: 'ask-phone' as const }, []],
    ['state list', { state: ['danger' as const, 'ask-phone' as const] }, []],
    ['state of an earlier reply only', { state: 'danger' as const }, ['state: expected danger, the last reply has "ask-phone"']],
    ['anyState', { anyState: 'danger' as const }, []],
    ['anyState missing', { anyState: ['step' as const] }, ['anyState: expected some reply in step, replies had ["danger","ask-phone"]']],
    ['notState', { notState: ['danger' as const] }, ['notState: a reply has danger']],
    ['flags', { danger: true as const, handoff: true as const }, []],
    ['ticket missing', { ticket: true as const }, ['ticket: no reply carries a ticket number']],
    ['productLine one of', { productLine: ['RR', 'PT'] }, []],
    ['faultId', { faultId: 'PT-H01' }, ['faultId: expected PT-H01, the last reply has nothing']],
    ['textMatches over all replies', { textMatches: ['\\b119\\b', 'PHONE'] }, []],
    ['textMatches missing', { textMatches: ['120'] }, ['textMatches: /120/i is not in the replies']],
    ['lang', { lang: 'en' as const }, []],
    [
      'lang wrong',
      { lang: 'zh' as const },
      ['lang: expected zh, the last reply has triage.lang "en"', "lang: the last reply's text is in en, not zh"],
    ],
  ])('%s', (_name, want, problems) => {
    expect(checkTurn(want, replies)).toEqual(problems);
  });

  test('no reply at all fails every expectation', () => {
    expect(checkTurn({}, [])).toEqual(['the bot did not reply']);
  });

  test('a reply without channelData.triage fails a state check', () => {
    expect(checkTurn({ state: 'greeting' }, [reply('hi')])).toEqual(['state: expected greeting, the last reply has nothing']);
  });
});

describe('conversation files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-chat-test-'));
  const write = (name: string, body: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
    return file;
  };

  test('the public set is a valid file', () => {
    const set = readConversationSet('test/conversations/public.json');
    expect(set.conversations.length).toBeGreaterThanOrEqual(100);
  });

  test.each([
    ['not JSON', '{', /not valid JSON|Expected property name|JSON/],
    [
      'an unknown state',
      { version: 1, conversations: [{ id: 'a', turns: [{ user: 'x', expect: { state: 'flying' } }] }] },
      /conversations\.0\.turns\.0\.expect\.state/,
    ],
    [
      'an unknown check',
      { version: 1, conversations: [{ id: 'a', turns: [{ user: 'x', expect: { mood: 'happy' } }] }] },
      /Unrecognized key/,
    ],
    [
      'a bad regex',
      { version: 1, conversations: [{ id: 'a', turns: [{ user: 'x', expect: { textMatches: ['(('] } }] }] },
      /regular expression/,
    ],
    [
      'duplicate ids',
      {
        version: 1,
        conversations: [
          { id: 'a', turns: [{ user: 'x' }] },
          { id: 'a', turns: [{ user: 'y' }] },
        ],
      },
      /duplicate conversation id "a"/,
    ],
  ])('refuses %s with a message naming the place', (_name, body, message) => {
    const file = write(`${_name.replace(/\W/g, '-')}.json`, body);
    expect(() => readConversationSet(file)).toThrow(ConversationSetError);
    expect(() => readConversationSet(file)).toThrow(message);
  });
});

describe('scripted conversations over Direct Line', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  }, 120_000);
  afterAll(async () => server?.stop());

  test('a conversation the bot meets passes; one it cannot meet fails at its turn with the reason', async () => {
    const set: ConversationSet = {
      version: 1,
      conversations: [
        {
          id: 'meets',
          description: '',
          tags: ['en', 'a'],
          locale: 'en-US',
          turns: [{ user: 'hello', expect: { lang: 'en', notState: ['danger'] } }],
        },
        {
          id: 'cannot',
          description: '',
          tags: ['zh', 'a'],
          locale: 'zh-CN',
          turns: [
            { user: '你好', expect: { lang: 'zh' } },
            { user: '你好', expect: { textMatches: ['this-text-is-never-said'] } },
          ],
        },
      ],
    };
    const results = await runConversationSet(server.base, set, { concurrency: 2 });
    expect(results.map((r) => [r.id, r.passed])).toEqual([
      ['meets', true],
      ['cannot', false],
    ]);
    // Every reply of the real bot carries where the conversation stands.
    expect(results[0]!.turns[0]!.replies.every((r) => r.triage?.lang === 'en')).toBe(true);
    expect(resultLine(results[1]!)).toBe('FAIL cannot  turn 2 "你好": textMatches: /this-text-is-never-said/i is not in the replies');
    const summary = summarise(set, results);
    expect(summary).toMatchObject({ conversations: 2, passed: 1, pass_rate: 0.5, turns: 3, turns_passed: 2, failed: ['cannot'] });
    expect(summary.by_tag).toMatchObject({
      a: { conversations: 2, passed: 1 },
      zh: { conversations: 1, passed: 0, turns: 2, turns_passed: 1 },
    });
  }, 120_000);
});
