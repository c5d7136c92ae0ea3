import { join } from 'node:path';
import { z } from 'zod';
import { KnowledgeError, readYaml, type KnowledgeProblem } from '../../knowledge/load.js';

/**
 * The words people type at the bot's prompts (knowledge/conversation/answers.yaml),
 * validated like the manual: a bad file stops the start with a message naming the
 * file and field.
 */
const phrase = z.string().trim().min(1, 'must not be empty').max(80);
const phrases = z.array(phrase).max(500);
const bilingual = z.object({ en: phrases, zh: phrases }).strict();

const pattern = z
  .string()
  .min(1)
  .max(300)
  .refine((p) => {
    try {
      new RegExp(p, 'u');
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');

export const answersSchema = z
  .object({
    yes_no: z.object({ yes: bilingual, no: bilingual, unsure: bilingual, filler: bilingual }).strict(),
    machine_down: z.object({ yes: bilingual, no: bilingual }).strict(),
    skip: z.object({ answers: bilingual, filler: bilingual }).strict(),
    step_outcomes: z.object({ fixed: bilingual, not_fixed: bilingual, next: bilingual, cannot_do: bilingual, not_it: bilingual }).strict(),
    choice: z
      .object({
        none: bilingual,
        ordinals: z.array(z.object({ position: z.number().int().min(1).max(20), en: phrases, zh: phrases }).strict()).min(1),
        filler: bilingual,
      })
      .strict(),
    readings: z.object({ patterns: z.array(pattern).min(1).max(20) }).strict(),
    vague: bilingual,
    hedges: bilingual,
    question_back: bilingual,
    english_words: phrases.min(1),
  })
  .strict();

export type Answers = z.infer<typeof answersSchema>;
export type Bilingual = z.infer<typeof bilingual>;

const norm = (p: string) => p.normalize('NFKC').toLowerCase().replace(/[’`´]/g, "'").trim();

/** The same phrase under two answers of one prompt makes the prompt ambiguous. */
function clashes(groups: Record<string, Bilingual>, where: string): KnowledgeProblem[] {
  const owner = new Map<string, string>();
  const problems: KnowledgeProblem[] = [];
  for (const [answer, words] of Object.entries(groups)) {
    for (const p of [...words.en, ...words.zh].map(norm)) {
      const other = owner.get(p);
      if (other && other !== answer)
        problems.push({
          file: 'conversation/answers.yaml',
          field: `${where}.${answer}`,
          message: `"${p}" is also listed under ${where}.${other}`,
        });
      owner.set(p, answer);
    }
  }
  return problems;
}

export function loadAnswers(knowledgeDir: string): Answers {
  const problems: KnowledgeProblem[] = [];
  const answers = readYaml(knowledgeDir, join(knowledgeDir, 'conversation', 'answers.yaml'), answersSchema, problems);
  if (answers) {
    problems.push(
      ...clashes({ yes: answers.yes_no.yes, no: answers.yes_no.no, unsure: answers.yes_no.unsure }, 'yes_no'),
      ...clashes({ yes: answers.machine_down.yes, no: answers.machine_down.no }, 'machine_down'),
      ...clashes(answers.step_outcomes, 'step_outcomes'),
    );
    const positions = answers.choice.ordinals.map((o) => o.position);
    if (new Set(positions).size !== positions.length)
      problems.push({ file: 'conversation/answers.yaml', field: 'choice.ordinals', message: 'a position is listed twice' });
  }
  if (!answers || problems.length > 0) throw new KnowledgeError(problems);
  return answers;
}
