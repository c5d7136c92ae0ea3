import { MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import type { KnowledgeBase } from '../src/knowledge/load.js';
import { stopWorkForFault } from '../src/knowledge/safety.js';
import type { Fault } from '../src/knowledge/schema.js';
import { t, type Lang } from './messages.js';

/** A message with the same words for voice channels. */
export function message(text: string): Partial<Activity> {
  return MessageFactory.text(text, text);
}

export async function say(ctx: TurnContext, ...texts: string[]): Promise<void> {
  for (const text of texts) await ctx.sendActivity(message(text));
}

/** The entry's safety notes as a Markdown list (Web Chat, Teams and most channels render it; plain text stays readable). */
export function safetyList(fault: Fault, lang: Lang): string {
  return `${t(lang, 'safetyFirst')}\n\n${fault.safety.map((w) => `- ${w[lang]}`).join('\n')}`;
}

/**
 * "Stop, make safe": the product line's stop-work steps (knowledge/safety.yaml) as a
 * numbered list, then that a technician is coming. An entry whose safety notes replace
 * the line's list (stop_work: own) gets only the two sentences, and its notes follow.
 */
export function stopWorkMessage(kb: KnowledgeBase, fault: Fault, lang: Lang): string {
  const steps = stopWorkForFault(kb, fault, lang);
  if (steps.length === 0) return `${t(lang, 'technicianComing')} ${t(lang, 'notSelfService')}`;
  return `${t(lang, 'notSelfService')}\n\n${steps.map((s, i) => `${i + 1}. ${s}`).join('\n')}\n\n${t(lang, 'technicianComing')}`;
}
