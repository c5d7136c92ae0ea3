import type { Lang } from '../language/languages.js';
import type { KnowledgeBase } from './load.js';
import type { Bilingual, Fault, SafetyFile } from './schema.js';

/** knowledge/safety.yaml as the program reads it (emergency numbers already filled into the texts). */
export interface SafetyData {
  /** This deployment's emergency numbers: {fire: "119", ambulance: "120", …}. */
  emergencyNumbers: Record<string, string>;
  stopWork: {
    /** Per product line; a line without its own list gets `unknown`. */
    lines: Partial<Record<string, Bilingual[]>>;
    unknown: Bilingual[];
    /** Appended to every line's list. */
    after: Bilingual[];
  };
  review: { emergencyNumbers: SafetyFile['emergency_numbers']['review']; stopWork: SafetyFile['stop_work']['review'] };
}

const PLACEHOLDER = /\{([a-zA-Z]+)\}/g;

/** Fills {fire}, {ambulance} … with the deployment's numbers; names it does not know are returned. */
export function fillNumbers(text: string, numbers: Record<string, string>): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  const filled = text.replace(PLACEHOLDER, (whole, name: string) => {
    if (Object.hasOwn(numbers, name)) return numbers[name]!;
    unknown.push(name);
    return whole;
  });
  return { text: filled, unknown };
}

export function safetyData(file: SafetyFile): SafetyData {
  const numbers = file.emergency_numbers.numbers;
  const fill = (list: Bilingual[]) =>
    list.map((b) => ({ en: fillNumbers(b.en, numbers).text, zh: fillNumbers(b.zh, numbers).text }));
  const lines: Partial<Record<string, Bilingual[]>> = {};
  for (const [code, list] of Object.entries(file.stop_work.lines)) if (list) lines[code] = fill(list);
  return {
    emergencyNumbers: { ...numbers },
    stopWork: { lines, unknown: fill(file.stop_work.unknown), after: fill(file.stop_work.after) },
    review: { emergencyNumbers: file.emergency_numbers.review, stopWork: file.stop_work.review },
  };
}

/**
 * The stop-work instructions for a machine of this product line, in one language: what
 * the operator does at once when a fault is not operator-serviceable. An unknown or
 * missing line gets the generic list.
 */
export function stopWorkSteps(kb: KnowledgeBase, productLine: string | undefined, lang: Lang): string[] {
  const { lines, unknown, after } = kb.safety.stopWork;
  const own = productLine !== undefined && Object.hasOwn(lines, productLine) ? lines[productLine] : undefined;
  return [...(own ?? unknown), ...after].map((b) => b[lang]);
}

/**
 * The stop-work list to show with this entry: its line's list, or none when the entry's
 * own safety notes replace it (`stop_work: own`, an emergency where routine isolation
 * would be wrong, such as a boom touching a power line).
 */
export function stopWorkForFault(kb: KnowledgeBase, fault: Fault, lang: Lang): string[] {
  return fault.stop_work === 'own' ? [] : stopWorkSteps(kb, fault.product_line, lang);
}
