import type { Fault, Step } from './schema.js';

export interface OperatorStep {
  causeId: string;
  kind: 'check' | 'fix';
  en: string;
  zh: string;
}

/**
 * Whether a step may be read to (or done by) the operator: marked for operators, on a
 * fault that allows self-service; for "checks-only" faults only checks, never fixes.
 * The bot, the call-center panel (through the API) and the tests all use this one rule.
 */
export function isOperatorStep(fault: Fault, step: Step, kind: 'check' | 'fix'): boolean {
  if (fault.self_service === 'no' || step.by !== 'operator') return false;
  return kind === 'check' || fault.self_service === 'yes';
}

/** The operator's steps in the manual's order: causes as a technician checks them, each cause's checks before its fixes. */
export function operatorSteps(fault: Fault): OperatorStep[] {
  return fault.causes.flatMap((c) => [
    ...c.checks.filter((s) => isOperatorStep(fault, s, 'check')).map((s) => ({ causeId: c.id, kind: 'check' as const, en: s.en, zh: s.zh })),
    ...c.fixes.filter((s) => isOperatorStep(fault, s, 'fix')).map((s) => ({ causeId: c.id, kind: 'fix' as const, en: s.en, zh: s.zh })),
  ]);
}
