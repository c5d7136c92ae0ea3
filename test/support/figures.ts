import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** What the attack, fault, race and growth tests report for the closing note. */
export interface Figures {
  hostileRequests?: number;
  fiveHundreds?: number;
  processExits?: number;
  acknowledgedTicketsLost?: number;
  lostUpdates?: number;
  duplicateReplies?: number;
  [other: string]: number | undefined;
}

/**
 * Prints one test's figures and appends them to test-artifacts/figures.jsonl, so a whole
 * `npm test` run can be summed: `node -e` over that file (see the README).
 */
export function reportFigures(test: string, figures: Figures): void {
  console.log(`figures ${test}: ${JSON.stringify(figures)}`);
  const dir = join(REPO_ROOT, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'figures.jsonl'), `${JSON.stringify({ test, at: new Date().toISOString(), ...figures })}\n`);
}

/** Runs the request factories `concurrency` at a time; counts statuses and transport failures. */
export async function runAll(requests: (() => Promise<Response>)[], concurrency = 12) {
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const i = next++;
        try {
          const res = await requests[i]!();
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) failures.push(`#${i}: ${res.status}`);
        } catch (err) {
          failures.push(`#${i}: ${(err as Error).message}`);
        }
      }
    }),
  );
  const fiveHundreds = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  return { statuses: Object.fromEntries(statuses), failures, fiveHundreds };
}
