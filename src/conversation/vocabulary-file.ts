import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';

export class VocabularyError extends Error {
  override name = 'VocabularyError';
}

/** The folder of the conversation's vocabularies under the knowledge folder. */
export const conversationDir = (knowledgeDir: string) => join(knowledgeDir, 'conversation');

/**
 * Reads one knowledge/conversation/*.yaml file and validates it; a problem names the
 * file and the place in it, so whoever edits the vocabulary can fix it.
 */
export function readVocabulary<S extends z.ZodTypeAny>(knowledgeDir: string, name: string, schema: S): z.infer<S> {
  const file = join(conversationDir(knowledgeDir), name);
  if (!existsSync(file)) throw new VocabularyError(`${file}: missing (the conversation's vocabulary ${name})`);
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new VocabularyError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 20).map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new VocabularyError(`${file}: invalid\n${lines.join('\n')}`);
  }
  return parsed.data as z.infer<S>;
}
