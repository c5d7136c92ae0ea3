import { checkTurn, type BotReply } from './checks.js';
import type { ConversationSet, ScriptedConversation } from './conversation-set.js';
import { DirectLineConversation, type WaitPolicy } from './directline-client.js';

export interface TurnResult {
  index: number;
  user: string;
  replies: BotReply[];
  problems: string[];
}

export interface ConversationResult {
  id: string;
  tags: string[];
  passed: boolean;
  turns: TurnResult[];
  /** Set when the conversation could not be run at all (the server refused, a timeout). */
  error?: string;
}

export interface GroupSummary {
  conversations: number;
  passed: number;
  pass_rate: number;
  turns: number;
  turns_passed: number;
}

export interface ChatEvalSummary extends GroupSummary {
  turn_pass_rate: number;
  by_tag: Record<string, GroupSummary>;
  failed: string[];
}

/**
 * Plays one scripted conversation against the bot at `base` (a new Direct Line
 * conversation, a user of its own), every turn to the end, so that the turn figures
 * count each message; the conversation passes when every turn does.
 */
export async function runConversation(
  base: string,
  c: ScriptedConversation,
  opts: { secret?: string; wait?: WaitPolicy } = {},
): Promise<ConversationResult> {
  const turns: TurnResult[] = [];
  try {
    const { conversation } = await DirectLineConversation.start(base, {
      userId: `eval-${c.id}`.slice(0, 190),
      locale: c.locale,
      secret: opts.secret,
      wait: opts.wait,
    });
    for (const [index, turn] of c.turns.entries()) {
      const replies = await conversation.send(turn.user);
      turns.push({ index, user: turn.user, replies, problems: checkTurn(turn.expect, replies) });
    }
  } catch (err) {
    return { id: c.id, tags: c.tags, passed: false, turns, error: (err as Error).message };
  }
  return { id: c.id, tags: c.tags, passed: turns.every((t) => t.problems.length === 0), turns };
}

/** Runs every conversation, `concurrency` at a time, in the file's order in the results. */
export async function runConversationSet(
  base: string,
  set: ConversationSet,
  opts: { secret?: string; wait?: WaitPolicy; concurrency?: number; onResult?: (r: ConversationResult) => void } = {},
): Promise<ConversationResult[]> {
  const results: ConversationResult[] = new Array(set.conversations.length);
  let next = 0;
  const worker = async () => {
    while (next < set.conversations.length) {
      const i = next++;
      results[i] = await runConversation(base, set.conversations[i]!, opts);
      opts.onResult?.(results[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, worker));
  return results;
}

const rate = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 1000) / 1000);

function group(results: ConversationResult[], totalTurns: (r: ConversationResult) => number): GroupSummary {
  const turns = results.reduce((n, r) => n + totalTurns(r), 0);
  const turnsPassed = results.reduce((n, r) => n + r.turns.filter((t) => t.problems.length === 0).length, 0);
  const passed = results.filter((r) => r.passed).length;
  return { conversations: results.length, passed, pass_rate: rate(passed, results.length), turns, turns_passed: turnsPassed };
}

export function summarise(set: ConversationSet, results: ConversationResult[]): ChatEvalSummary {
  // A conversation stopped by an error counts all its scripted turns, the unplayed ones as failed.
  const scripted = new Map(set.conversations.map((c) => [c.id, c.turns.length]));
  const totalTurns = (r: ConversationResult) => scripted.get(r.id) ?? r.turns.length;
  const overall = group(results, totalTurns);
  const tags = [...new Set(results.flatMap((r) => r.tags))].sort();
  const by_tag = Object.fromEntries(
    tags.map((tag) => [
      tag,
      group(
        results.filter((r) => r.tags.includes(tag)),
        totalTurns,
      ),
    ]),
  );
  return {
    ...overall,
    turn_pass_rate: rate(overall.turns_passed, overall.turns),
    by_tag,
    failed: results.filter((r) => !r.passed).map((r) => r.id),
  };
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** `PASS id` or `FAIL id` with the first failing turn and why. */
export function resultLine(r: ConversationResult): string {
  if (r.passed) return `PASS ${r.id}`;
  if (r.error) return `FAIL ${r.id}  (after ${r.turns.length} turn(s)) ${r.error}`;
  const bad = r.turns.find((t) => t.problems.length > 0)!;
  return `FAIL ${r.id}  turn ${bad.index + 1} "${clip(bad.user, 60)}": ${bad.problems.join('; ')}`;
}

/** Every turn of a conversation: the user's words, then each reply's state and text. */
export function transcriptLines(r: ConversationResult): string[] {
  const lines: string[] = [];
  for (const t of r.turns) {
    lines.push(`  ${t.problems.length ? '✗' : '✓'} [${t.index + 1}] user: ${clip(t.user, 200)}`);
    for (const reply of t.replies) {
      const tri = reply.triage;
      const flags = tri
        ? [tri.lang, tri.productLine, tri.faultId, tri.danger && 'danger', tri.handoff && 'handoff', tri.ticket?.number]
            .filter(Boolean)
            .join(' ')
        : 'no triage';
      const buttons = reply.buttons.length ? ` [${reply.buttons.join(' | ')}]` : '';
      lines.push(
        `      bot (${tri?.state ?? '-'}; ${flags}; ${reply.inputHint ?? 'no hint'}): ${clip(reply.text.replace(/\s+/g, ' '), 240)}${buttons}`,
      );
    }
    for (const p of t.problems) lines.push(`      ! ${p}`);
  }
  return lines;
}

export function summaryLines(s: ChatEvalSummary): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    `conversations: ${s.passed}/${s.conversations} passed (${pct(s.pass_rate)}); turns: ${s.turns_passed}/${s.turns} passed (${pct(s.turn_pass_rate)})`,
    'by tag:',
  ];
  for (const [tag, g] of Object.entries(s.by_tag)) {
    lines.push(
      `  ${tag.padEnd(18)} ${String(g.passed).padStart(4)}/${String(g.conversations).padEnd(4)} ${pct(g.pass_rate).padStart(8)}   turns ${g.turns_passed}/${g.turns}`,
    );
  }
  return lines;
}
