import { reportFigures } from './support/figures.js';
import { startTestServer, type TestServer } from './support/server.js';

/**
 * Two instances on one PostgreSQL take simultaneous turns of one conversation (a double
 * send through a load balancer). Each turn reads the conversation's state, runs, and
 * saves; without a conditional save both start from the same state and one silently
 * overwrites the other (a lost update), while both answer (a reply to a message the
 * conversation then forgets). With it, the later save conflicts, its replies are taken
 * back, and it runs again on the state the other turn saved.
 */
const TRIES = 20;

interface Activity {
  type: string;
  text?: string;
  from: { role?: string };
}
interface Transcript {
  triage?: { transcript?: { from: string; text: string }[] };
}

async function conflicts(server: TestServer): Promise<number> {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  return [...text.matchAll(/^triage_bot_state_conflicts_total\{result="rerun"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('two instances, simultaneous turns of one conversation (PostgreSQL)', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    a = await startTestServer({ store: 'postgres', rateLimitScale: 100 });
    b = await startTestServer({ store: 'postgres', schema: a.schema, rateLimitScale: 100 });
  }, 240_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('loses no update and sends no duplicate reply', async () => {
    let lostUpdates = 0;
    let duplicateReplies = 0;
    let outOfOrder = 0;
    for (let i = 0; i < TRIES; i++) {
      const { token, conversationId } = (await (await fetch(`${a.base}/chat/token`, { method: 'POST' })).json()) as {
        token: string;
        conversationId: string;
      };
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      expect((await fetch(`${a.base}/v3/directline/conversations`, { method: 'POST', headers })).status).toBe(201);
      const post = (server: TestServer, text: string) =>
        fetch(`${server.base}/v3/directline/conversations/${conversationId}/activities`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ type: 'message', text, from: { id: 'operator' } }),
        });
      expect((await post(a, `try ${i}: the outriggers on my pump truck will not come down`)).status).toBe(200);
      // The same moment, one message to each instance.
      const sent = [`try ${i}: it started this morning`, `try ${i}: the control panel shows no alarm`];
      const answers = await Promise.all([post(a, sent[0]!), post(b, sent[1]!)]);
      expect(answers.map((r) => r.status)).toEqual([200, 200]);

      const log = (await (await fetch(`${b.base}/v3/directline/conversations/${conversationId}/activities`, { headers })).json()) as {
        activities: Activity[];
      };
      const rows = await a.app
        .services()
        .db!.query<{ doc: string }>(`SELECT doc FROM bot_state WHERE key = $1`, [`directline/conversations/${conversationId}/`]);
      expect(rows).toHaveLength(1);
      const transcript = (JSON.parse(rows[0]!.doc) as Transcript).triage?.transcript ?? [];
      const said = transcript.filter((l) => l.from === 'user').map((l) => l.text);
      // Lost update: a message that was answered but that the saved conversation does not hold.
      for (const text of sent) if (said.filter((s) => s === text).length !== 1) lostUpdates++;
      // Duplicate reply: a reply in the channel's log that the saved conversation never said (a taken-back run's).
      const delivered = log.activities
        .filter((x) => x.type === 'message' && x.from.role === 'bot' && x.text)
        .map((x) => x.text!.slice(0, 1000));
      const kept = transcript.filter((l) => l.from === 'bot').map((l) => l.text);
      duplicateReplies += Math.max(0, delivered.length - kept.length);
      expect([...delivered].sort()).toEqual([...kept].sort());
      // The replies are flushed right after the save, so the next turn's come after them
      // except in a window of one store round trip; counted, not asserted.
      if (JSON.stringify(delivered) !== JSON.stringify(kept)) outOfOrder++;
    }
    const reruns = (await conflicts(a)) + (await conflicts(b));
    reportFigures('race', { tries: TRIES, lostUpdates, duplicateReplies, outOfOrder, conflictsRerun: reruns });
    expect(lostUpdates).toBe(0);
    expect(duplicateReplies).toBe(0);
  }, 240_000);
});
