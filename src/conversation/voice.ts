import type { Activity } from 'botbuilder';
import type { Lang } from '../../dialogs/messages.js';
import { isQuestionState, type TriageStateName } from './triage-state.js';

/**
 * What a phone or a speaker hears: the reply's words without Markdown, the choices said
 * as words with their keypad numbers (a bare digit is that numbered choice), XML-safe for
 * SSML; botbuilder's SetSpeakMiddleware then wraps it in <speak><voice> for the voice
 * channels, and `ssml()` does the same without a voice for the others.
 */

/** A neural voice that speaks Chinese and English (Azure Speech); per deployment, VOICE_NAME. */
export const DEFAULT_VOICE = 'en-US-JennyMultilingualNeural';

export const voiceLocale = (lang: Lang): string => (lang === 'zh' ? 'zh-CN' : 'en-US');

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Markdown a screen renders but a voice would read out: lists, emphasis, links, headings. */
export function withoutMarkdown(text: string): string {
  return text
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .replace(/(\*\*|__|`)/g, '')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s*[-*•]\s+/gm, '')
    .split(/\n+/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => (/[.!?:;。！？：；…]$/.test(line) ? line : `${line}${/[\u3400-\u9fff]/.test(line) ? '。' : '.'}`))
    .join(' ');
}

/** The choices of a reply: its suggested actions, or the buttons of its card. */
export function choicesOf(a: Partial<Activity>): string[] {
  const suggested = a.suggestedActions?.actions?.map((x) => String(x.title ?? x.value ?? '')) ?? [];
  const buttons = (a.attachments ?? []).flatMap((att) =>
    ((att.content as { buttons?: { title?: string; value?: unknown }[] } | undefined)?.buttons ?? []).map((b) =>
      String(b.title ?? b.value ?? ''),
    ),
  );
  return [...suggested, ...buttons].filter(Boolean);
}

/** "Say Fixed, Not fixed, next, or I can't do this — or press 1 to 3." in the conversation's language. */
export function spokenChoices(choices: string[], lang: Lang): string {
  if (choices.length === 0) return '';
  if (lang === 'zh') return `您可以说：${choices.join('、')}；也可以按数字键 1 到 ${choices.length}。`;
  const said = choices.length === 1 ? choices[0] : `${choices.slice(0, -1).join('; ')}; or ${choices[choices.length - 1]}`;
  return `You can say: ${said}. Or press 1 to ${choices.length}.`;
}

/** The speak text of one reply (plain, XML-escaped), before SSML wrapping. */
export function spokenText(a: Partial<Activity>, lang: Lang): string {
  const words = withoutMarkdown(a.text ?? '');
  const choices = spokenChoices(choicesOf(a), lang);
  return escapeXml([words, choices].filter(Boolean).join(' '));
}

/** SSML for channels SetSpeakMiddleware leaves alone: the same <speak> element, without a voice. */
export function ssml(speak: string, locale: string): string {
  if (/^\s*<speak[\s>]/.test(speak)) return speak;
  return `<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='${locale}'>${speak}</speak>`;
}

/**
 * inputHint for a turn's replies once they are all known: the last message expects an
 * answer when it asks a question (its channelData.triage state says so) and otherwise
 * accepts one; the messages before it are not the moment to talk (ignoringInput).
 */
export function settleInputHints(activities: readonly Partial<Activity>[]): void {
  const messages = activities.filter((a) => a.type === 'message');
  messages.forEach((a, i) => {
    if (i < messages.length - 1) {
      a.inputHint = 'ignoringInput';
      return;
    }
    const state = (a.channelData as { triage?: { state?: TriageStateName } } | undefined)?.triage?.state;
    if (state && isQuestionState(state)) a.inputHint = 'expectingInput';
    else a.inputHint ??= 'acceptingInput';
  });
}
