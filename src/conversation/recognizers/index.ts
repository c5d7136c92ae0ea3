import { AnswerRecognizers } from './answers.js';
import { loadAnswers } from './vocabulary.js';

export { AnswerRecognizers, bareNumber, type StepAnswer, type StepOutcome } from './answers.js';
export { loadAnswers, type Answers } from './vocabulary.js';

const cache = new Map<string, AnswerRecognizers>();

/** The recognizers for a knowledge folder, loaded and validated once per process. */
export function answerRecognizers(knowledgeDir: string): AnswerRecognizers {
  let r = cache.get(knowledgeDir);
  if (!r) cache.set(knowledgeDir, (r = new AnswerRecognizers(loadAnswers(knowledgeDir))));
  return r;
}
export { readPhone } from './phone.js';
