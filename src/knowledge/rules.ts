import { CATEGORY_LETTER, type Fault } from './schema.js';
import type { KnowledgeBase, KnowledgeProblem } from './load.js';
import { isOperatorStep } from './operator-steps.js';
import { lintStepText } from './step-lint.js';

/**
 * Rules that span files or encode safety policy. A schema checks the shape of one
 * entry; these check that the manual as a whole is consistent and safe to show.
 */
export function checkKnowledge(kb: KnowledgeBase): KnowledgeProblem[] {
  const problems: KnowledgeProblem[] = [];
  const grades = new Set<string>();
  for (const g of kb.grades) {
    if (grades.has(g.grade)) problems.push({ file: 'grades.yaml', entry: g.grade, message: 'duplicate grade' });
    grades.add(g.grade);
  }

  const tiers = new Set(kb.policy.service_tiers.map((t) => t.id));
  const lines = new Set<string>();
  for (const line of kb.policy.product_lines) {
    if (lines.has(line.code)) {
      problems.push({ file: 'service-policy.yaml', entry: line.code, message: 'duplicate product line' });
    }
    lines.add(line.code);
    if (!tiers.has(line.service_tier)) {
      problems.push({
        file: 'service-policy.yaml',
        entry: line.code,
        field: 'service_tier',
        message: `unknown service tier "${line.service_tier}" (known: ${[...tiers].join(', ')})`,
      });
    }
  }

  for (const code of lines) {
    if (!Object.hasOwn(kb.safety.stopWork.lines, code)) {
      problems.push({ file: 'safety.yaml', entry: code, field: `stop_work.lines.${code}`, message: 'product line has no stop-work instructions' });
    }
  }
  for (const code of Object.keys(kb.safety.stopWork.lines)) {
    if (!lines.has(code)) {
      problems.push({ file: 'safety.yaml', entry: code, field: `stop_work.lines.${code}`, message: `stop-work list for ${code}, which is not a product line in service-policy.yaml` });
    }
  }

  for (const fault of kb.faults) {
    const at = (field: string, message: string) =>
      problems.push({ file: kb.sourceFile.get(fault.id) ?? '?', entry: fault.id, field, message });
    checkIdentity(fault, lines, at);
    checkSafetyPolicy(fault, at);
    lintOperatorSteps(kb, fault, at);
    const causeIds = new Set<string>();
    fault.causes.forEach((cause, i) => {
      if (causeIds.has(cause.id)) at(`causes[${i}].id`, `duplicate cause id ${cause.id}`);
      causeIds.add(cause.id);
      if (!grades.has(cause.grade)) at(`causes[${i}].grade`, `unknown fault grade ${cause.grade}`);
      cause.parts.forEach((code, j) => {
        if (!kb.parts.has(code)) at(`causes[${i}].parts[${j}]`, `unknown part code ${code}`);
      });
    });
  }
  return problems;
}

type Report = (field: string, message: string) => void;

function checkIdentity(fault: Fault, lines: Set<string>, at: Report): void {
  const [prefix, rest] = fault.id.split('-');
  if (prefix !== fault.product_line) at('product_line', `id ${fault.id} belongs to line ${prefix}, not ${fault.product_line}`);
  if (!lines.has(fault.product_line)) at('product_line', `product line ${fault.product_line} is not in service-policy.yaml`);
  if (rest?.[0] !== CATEGORY_LETTER[fault.category]) {
    at('category', `id letter ${rest?.[0]} does not match category ${fault.category} (${CATEGORY_LETTER[fault.category]})`);
  }
}

/** Technician-only work must never be offered to an operator. */
function checkSafetyPolicy(fault: Fault, at: Report): void {
  const steps = fault.causes.flatMap((c, i) => [
    ...c.checks.map((s, j) => ({ s, field: `causes[${i}].checks[${j}]`, fix: false })),
    ...c.fixes.map((s, j) => ({ s, field: `causes[${i}].fixes[${j}]`, fix: true })),
  ]);
  if (fault.stop_work === 'own' && fault.self_service !== 'no') {
    at('stop_work', 'stop_work "own" (the safety notes replace the line\'s stop-work list) is only for self_service "no"');
  }
  if (fault.self_service === 'no') {
    for (const { s, field } of steps) {
      if (s.by === 'operator') at(`${field}.by`, 'self_service is "no": no step may be by operator');
    }
  } else if (fault.self_service === 'checks-only') {
    for (const { s, field, fix } of steps) {
      if (fix && s.by === 'operator') at(`${field}.by`, 'self_service is checks-only: fixes must be by technician');
    }
  } else if (!steps.some(({ s, fix }) => fix && s.by === 'operator')) {
    at('self_service', 'self_service is "yes" but no fix step is by operator');
  }
}

/**
 * What an operator step says, not only whom it is for: every step the bot may show an
 * operator is read against the hazard vocabulary (knowledge/step-lint.yaml). A hazard
 * phrase is an error unless the step is marked `reviewed` with the reason it is safe;
 * hands-on work at a moving part must name the isolation in the step's own text, always.
 */
function lintOperatorSteps(kb: KnowledgeBase, fault: Fault, at: Report): void {
  fault.causes.forEach((cause, i) => {
    for (const kind of ['check', 'fix'] as const) {
      const steps = kind === 'check' ? cause.checks : cause.fixes;
      steps.forEach((step, j) => {
        if (!isOperatorStep(fault, step, kind)) return;
        const field = `causes[${i}].${kind === 'check' ? 'checks' : 'fixes'}[${j}]`;
        for (const f of lintStepText(step, kb.stepLint)) {
          if (f.rule === 'hazard' && step.reviewed) continue;
          const remedy =
            f.rule === 'hazard'
              ? 'make it by: technician, rewrite it, or add reviewed: "<why it is safe>"'
              : 'start the step with the isolation (e.g. "Engine off, key out: …" / "熄火并拔下钥匙后……")';
          at(`${field}.${f.lang}`, `operator step ${f.rule === 'hazard' ? `hazard ${f.id}` : 'needs isolation'}: ${f.message}; ${remedy}`);
        }
      });
    }
  });
}
