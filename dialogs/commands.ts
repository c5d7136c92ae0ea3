/**
 * Words that work at any point of the conversation. "Talk to a person" is recognised
 * inside a sentence; "cancel" only as the whole message, so that "the cancel button on
 * the remote is stuck" stays a fault description.
 */
const HANDOFF = [
  /\b(agent|human|operator please|real person|live person|a person|someone real|customer service)\b/i,
  /\b(talk|speak) to (someone|somebody|a person|a human|an agent)\b/i,
  /人工|转人工|真人|客服/,
];
const RESTART = [/^\s*(cancel|start over|restart|reset|begin again)\s*[.!]*\s*$/i, /^\s*(取消|重新开始|重来|从头开始)\s*[。！!]*\s*$/];

export type Command = 'handoff' | 'restart';

export function findCommand(text: string): Command | undefined {
  if (RESTART.some((r) => r.test(text))) return 'restart';
  if (HANDOFF.some((r) => r.test(text))) return 'handoff';
  return undefined;
}
