import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { productLineCode } from '../knowledge/schema.js';

export const evalQuerySchema = z.object({
  text: z.string(),
  /** Correct fault ids (any one counts); empty means the engine must abstain. */
  expect: z.array(z.string()),
  productLine: productLineCode.optional(),
  /** For out-of-scope requests: which non-fault request it is (knowledge/intents.yaml ids). */
  intent: z.string().optional(),
  tags: z.array(z.string()).optional(),
});
export type EvalQuery = z.infer<typeof evalQuerySchema>;

/** Reads a JSONL query file; a bad line is reported with its line number and field. */
export function readQuerySet(path: string): EvalQuery[] {
  const out: EvalQuery[] = [];
  const problems: string[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        problems.push(`${path}:${i + 1}: not JSON (${(e as Error).message})`);
        return;
      }
      const parsed = evalQuerySchema.safeParse(raw);
      if (parsed.success) out.push(parsed.data);
      else for (const issue of parsed.error.issues) problems.push(`${path}:${i + 1}: ${issue.path.join('.') || 'line'}: ${issue.message}`);
    });
  if (problems.length > 0) throw new Error(`Invalid query file:\n${problems.join('\n')}`);
  if (out.length === 0) throw new Error(`${path}: no queries`);
  return out;
}
