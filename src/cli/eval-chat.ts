import { z } from 'zod';
import type { AppConfig } from '../config/config.js';
import { readConversationSet } from '../evaluation/chat/conversation-set.js';
import { startLocalServer } from '../evaluation/chat/local-server.js';
import { resultLine, runConversationSet, summarise, summaryLines, transcriptLines } from '../evaluation/chat/run.js';

export interface EvalChatOptions {
  file: string;
  json: boolean;
  details: boolean;
  strict: boolean;
  /** A running server to talk to instead of one started in this process. */
  url?: string;
  concurrency?: string;
}

/**
 * `eval:chat`: every scripted conversation of the file against the real bot through
 * Direct Line. Prints PASS/FAIL per conversation (with --details, the turns of the
 * failing ones), the summary by tag, and with --json one JSON line. Exit code 1 on a
 * failing conversation only with --strict, so CI can print the figure without failing.
 */
export async function evalChatCommand(config: AppConfig, o: EvalChatOptions): Promise<number> {
  const set = readConversationSet(o.file);
  const concurrency = z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .parse(o.concurrency ?? '2');
  const local = o.url ? undefined : await startLocalServer(config);
  const base = o.url?.replace(/\/+$/, '') ?? local!.base;
  try {
    const started = performance.now();
    const results = await runConversationSet(base, set, {
      concurrency,
      secret: o.url ? config.directLineSecret : undefined,
      onResult: (r) => {
        if (o.json && !o.details) return;
        console.log(resultLine(r));
        if (o.details && !r.passed) for (const line of transcriptLines(r)) console.log(line);
      },
    });
    const summary = summarise(set, results);
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    if (o.json) console.log(JSON.stringify({ file: o.file, ...summary, seconds }));
    else for (const line of [...summaryLines(summary), `(${seconds} s)`]) console.log(line);
    return o.strict && summary.passed < summary.conversations ? 1 : 0;
  } finally {
    await local?.stop();
  }
}
