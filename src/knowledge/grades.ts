import type { KnowledgeBase } from './load.js';
import type { Fault } from './schema.js';

/** Lightest to heaviest (C1 … A3). */
export const GRADE_ORDER = ['C1', 'C2', 'C3', 'B1', 'B2', 'B3', 'A1', 'A2', 'A3'];

/** The planning grade: the heaviest repair the fault may need (dispatch plans for the worst). */
export function plannedGrade(fault: Fault): string {
  return fault.causes.map((c) => c.grade).sort((a, b) => GRADE_ORDER.indexOf(b) - GRADE_ORDER.indexOf(a))[0]!;
}

export function workloadCoefficient(kb: KnowledgeBase, grade: string): number {
  return kb.grades.find((g) => g.grade === grade)?.workload_coefficient ?? 1;
}
