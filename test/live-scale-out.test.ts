import type { HandoffList, HandoffMessages } from '../src/api/handoffs.js';
import { reportFigures } from './support/figures.js';
import { twoInstancesOnOnePostgres } from './support/instances.js';
import { eventually, StaffLine, StreamingChat } from './support/live.js';

const AGENT = 'live-scale-agent-secret-01';
const ROUNDS = 20;

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]! * 10) / 10;
};

/**
 * Two server processes on one PostgreSQL: the operator's Direct Line WebSocket is held by
 * instance A, the agent works on instance B (REST and the panel's live line). Every
 * message crosses instances through LISTEN/NOTIFY. The latencies are measured and
 * reported (no timing assertion beyond the generous wait of each step).
 */
describe('live chat across two instances on one PostgreSQL', () => {
  const two = twoInstancesOnOnePostgres('live', {
    API_KEYS: `${AGENT}:agent`,
  });

  it('carries messages both ways between the operator’s socket on A and the agent on B', async () => {
    const headers = { authorization: `Bearer ${AGENT}`, 'content-type': 'application/json' };
    const chat = await StreamingChat.start(two.a.base);
    try {
      await chat.say(two.a.base, 'the outriggers on my pump truck will not come down');
      await chat.waitFor((x) => /model or serial|Which machine/i.test(x.text ?? ''), 'the model question');
      await chat.say(two.a.base, 'I want to talk to a person');
      const list = await eventually(
        async () => (await (await fetch(`${two.b.base}/api/handoffs?status=open`, { headers })).json()) as HandoffList,
        (l) => l.handoffs.some((h) => h.conversationId === chat.conversationId),
        'the handoff on B',
      );
      const id = list.handoffs.find((h) => h.conversationId === chat.conversationId)!.id;
      const line = await StaffLine.open(two.b.base, AGENT);
      line.watch(id);
      await new Promise((r) => setTimeout(r, 200));
      expect((await fetch(`${two.b.base}/api/handoffs/${id}/claim`, { method: 'POST', headers })).status).toBe(200);
      await chat.waitFor((x) => /has joined the chat/.test(x.text ?? ''), 'the joined notice on A');

      const toOperator: number[] = [];
      const toAgent: number[] = [];
      let cursor = '0';
      for (let i = 0; i < ROUNDS; i++) {
        // Agent (B) → operator's socket (A).
        const mark = chat.activities.length;
        const t0 = performance.now();
        const posted = await fetch(`${two.b.base}/api/handoffs/${id}/messages`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ text: `agent says ${i}` }),
        });
        expect(posted.status).toBe(201);
        const got = await chat.waitFor((x) => x.text === `agent says ${i}`, `agent message ${i} on A`, mark, 10_000);
        toOperator.push(got.receivedAt - t0);

        // Operator (A) → the agent's live line and messages API (B).
        const events = line.events.length;
        const t1 = performance.now();
        await chat.say(two.a.base, `operator says ${i}`);
        await line.waitFor((e) => e.type === 'handoff' && e.id === id && e.kind === 'messages', `hint ${i} on B`, events, 10_000);
        let seen: HandoffMessages;
        do {
          seen = (await (await fetch(`${two.b.base}/api/handoffs/${id}/messages?after=${cursor}`, { headers })).json()) as HandoffMessages;
        } while (!seen.messages.some((m) => m.text === `operator says ${i}`) && performance.now() - t1 < 10_000);
        expect(seen.messages.map((m) => m.text)).toContain(`operator says ${i}`);
        toAgent.push(performance.now() - t1);
        cursor = seen.cursor;
      }
      line.close();
      const figures = {
        rounds: ROUNDS,
        agentToOperatorMedianMs: percentile(toOperator, 0.5),
        agentToOperatorP95Ms: percentile(toOperator, 0.95),
        agentToOperatorMaxMs: percentile(toOperator, 1),
        operatorToAgentMedianMs: percentile(toAgent, 0.5),
        operatorToAgentP95Ms: percentile(toAgent, 0.95),
        operatorToAgentMaxMs: percentile(toAgent, 1),
      };
      reportFigures('live chat across two instances', figures);
      // The bot stayed silent while the agent held the chat: every message on A after the claim is the agent's or the operator's.
      expect(chat.botTexts().filter((t) => /^agent says/.test(t))).toHaveLength(ROUNDS);
    } finally {
      chat.close();
    }
  }, 120_000);
});
