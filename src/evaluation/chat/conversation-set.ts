import { LANGUAGES } from '../../language/languages.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TRIAGE_STATES } from '../../conversation/triage-state.js';

/**
 * A file of scripted conversations (see docs in README "Talking to the bot" and
 * test/conversations/public.json): each turn is one user message and what the bot's
 * replies to it must show in `channelData.triage` and their text.
 */
const state = z.enum(TRIAGE_STATES);
const states = z.union([state, z.array(state).min(1)]);

const oneOrMore = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const regex = z
  .string()
  .min(1)
  .refine((s) => {
    try {
      new RegExp(s, 'i');
      return true;
    } catch {
      return false;
    }
  }, 'not a valid JavaScript regular expression');

export const turnExpectation = z
  .object({
    state: states.optional(),
    anyState: states.optional(),
    notState: states.optional(),
    lang: z.enum(LANGUAGES).optional(),
    /** One value, or a list of acceptable ones. */
    productLine: oneOrMore.optional(),
    faultId: oneOrMore.optional(),
    danger: z.literal(true).optional(),
    handoff: z.literal(true).optional(),
    ticket: z.literal(true).optional(),
    textMatches: z.array(regex).optional(),
  })
  .strict();

export type TurnExpectation = z.infer<typeof turnExpectation>;

export const scriptedConversation = z.object({
  id: z.string().min(1),
  description: z.string().default(''),
  tags: z.array(z.string().min(1)).default([]),
  locale: z.string().min(2).max(20).default('en-US'),
  turns: z.array(z.object({ user: z.string(), expect: turnExpectation.default({}) }).strict()).min(1),
});

export type ScriptedConversation = z.infer<typeof scriptedConversation>;

export const conversationSet = z
  .object({ version: z.literal(1), conversations: z.array(scriptedConversation).min(1) })
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    set.conversations.forEach((c, i) => {
      if (seen.has(c.id))
        ctx.addIssue({ code: 'custom', path: ['conversations', i, 'id'], message: `duplicate conversation id "${c.id}"` });
      seen.add(c.id);
    });
  });

export type ConversationSet = z.infer<typeof conversationSet>;

export class ConversationSetError extends Error {
  override name = 'ConversationSetError';
}

/** Reads and validates a conversation file; problems name the file and the JSON path. */
export function readConversationSet(file: string): ConversationSet {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConversationSetError(`${file}: ${(err as Error).message}`);
  }
  const parsed = conversationSet.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 20).map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ConversationSetError(`${file}: not a conversation set (version 1)\n${lines.join('\n')}`);
  }
  return parsed.data;
}
