import type { Fault } from '../src/knowledge/schema.js';

export interface OperatorStep {
  causeId: string;
  kind: 'check' | 'fix';
  en: string;
  zh: string;
}

/**
 * The steps an operator may do, in the manual's order (causes as a technician checks
 * them, operator errors first; each cause's checks before its fixes). Technician
 * steps are never included; for "checks-only" faults neither are fixes, and a
 * "no" fault has none at all.
 */
export function operatorSteps(fault: Fault): OperatorStep[] {
  if (fault.self_service === 'no') return [];
  return fault.causes.flatMap((c) => [
    ...c.checks.filter((s) => s.by === 'operator').map((s) => ({ causeId: c.id, kind: 'check' as const, en: s.en, zh: s.zh })),
    ...(fault.self_service === 'yes'
      ? c.fixes.filter((s) => s.by === 'operator').map((s) => ({ causeId: c.id, kind: 'fix' as const, en: s.en, zh: s.zh }))
      : []),
  ]);
}
