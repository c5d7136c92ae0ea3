import type { CauseView, FaultEntry, StepView, SuggestResponse } from '../../api/responses.js';
import type { CreateTicketBody } from '../shared/api.js';

/**
 * The call-center panel's rules, apart from the page so they can be unit-tested: how
 * confident a score reads, which steps are read to the caller (as the server marks
 * them), what goes into a ticket. Pure (no DOM).
 */

export type Strength = 'strong' | 'likely' | 'possible';
export const strength = (score: number): Strength => (score >= 0.8 ? 'strong' : score >= 0.5 ? 'likely' : 'possible');

export type TickResult = 'fixed' | 'not-fixed';
export type StepKind = 'check' | 'fix';

export interface ScriptStep {
  cause: CauseView;
  causeIndex: number;
  kind: StepKind;
  step: StepView;
  /** `${faultId}|${causeId}|${kind}|${index}`: the tick's key, stable across renders. */
  key: string;
}

function steps(fault: FaultEntry, readToCaller: boolean): ScriptStep[] {
  const out: ScriptStep[] = [];
  fault.causes.forEach((cause, causeIndex) => {
    for (const kind of ['check', 'fix'] as const) {
      (kind === 'check' ? cause.checks : cause.fixes).forEach((step, i) => {
        if (step.readToCaller === readToCaller) out.push({ cause, causeIndex, kind, step, key: `${fault.id}|${cause.id}|${kind}|${i}` });
      });
    }
  });
  return out;
}

/** The steps read to the caller, in the manual's order (the server marks them by the rule the bot uses). */
export const operatorSteps = (fault: FaultEntry) => steps(fault, true);

/** Everything else, per cause, numbered as in the manual: never read out as instructions. */
export function technicianCauses(fault: FaultEntry): { cause: CauseView; causeIndex: number; steps: ScriptStep[] }[] {
  const all = steps(fault, false);
  return fault.causes
    .map((cause, causeIndex) => ({ cause, causeIndex, steps: all.filter((s) => s.causeIndex === causeIndex) }))
    .filter((c) => c.steps.length > 0);
}

export type StepTried = NonNullable<CreateTicketBody['stepsTried']>[number];

/** Ticked steps of every fault looked at during the call, in viewing and step order; the manual's English text. */
export function stepsTried(
  viewed: readonly string[],
  faults: ReadonlyMap<string, FaultEntry>,
  ticks: ReadonlyMap<string, TickResult>,
): StepTried[] {
  const out: StepTried[] = [];
  for (const id of viewed) {
    const fault = faults.get(id);
    if (!fault) continue;
    for (const s of operatorSteps(fault)) {
      const result = ticks.get(s.key);
      if (result) out.push({ faultId: fault.id, causeId: s.cause.id, step: s.step.en.slice(0, 1000), result });
    }
  }
  return out;
}

/** Why the engine abstained, as a message key. */
export function reasonKey(reason: SuggestResponse['reason']): 'reason_low' | 'reason_no-match' | 'reason_other-machine' | 'reason_other' {
  if (reason === 'low-confidence') return 'reason_low';
  if (reason === 'no-match' || reason === 'other-machine') return `reason_${reason}`;
  return 'reason_other';
}

/** Which form field an API issue belongs to (the ticket schema's paths). */
export const FIELD_INPUT: Readonly<Record<string, FormField>> = {
  'customer.name': 't-customer',
  'customer.site.address': 't-site',
  'customer.site': 't-site',
  customer: 't-customer',
  'contact.name': 't-contact',
  'contact.phone': 't-phone',
  contact: 't-contact',
  'equipment.productLine': 't-line',
  'equipment.model': 't-model',
  'equipment.serial': 't-serial',
  equipment: 't-line',
  operatorWords: 't-words',
  machineDown: 't-down',
};
export const FORM_FIELDS = ['t-line', 't-words', 't-customer', 't-site', 't-contact', 't-phone', 't-model', 't-serial', 't-down'] as const;
export type FormField = (typeof FORM_FIELDS)[number];
export type FormValues = Record<Exclude<FormField, 't-down'>, string> & { 't-down': boolean };

export const emptyForm = (): FormValues => ({
  't-line': '',
  't-words': '',
  't-customer': '',
  't-site': '',
  't-contact': '',
  't-phone': '',
  't-model': '',
  't-serial': '',
  't-down': false,
});

/** The ticket request from the form, the chosen fault and the ticks. */
export function ticketBody(
  form: FormValues,
  selected: { id: string; score?: number; productLine: string } | null,
  tried: StepTried[],
): CreateTicketBody {
  const v = (f: Exclude<FormField, 't-down'>) => form[f].trim();
  const body: CreateTicketBody = {
    customer: { name: v('t-customer'), site: { address: v('t-site') } },
    contact: { name: v('t-contact'), phone: v('t-phone') },
    equipment: { productLine: (selected ? selected.productLine : v('t-line')) as CreateTicketBody['equipment']['productLine'] },
    faults: [],
    operatorWords: v('t-words'),
    stepsTried: tried,
    machineDown: form['t-down'],
    source: 'panel',
  };
  if (v('t-model')) body.equipment.model = v('t-model');
  if (v('t-serial')) body.equipment.serial = v('t-serial');
  if (selected)
    body.faults = [
      { id: selected.id, ...(typeof selected.score === 'number' ? { confidence: Math.max(0, Math.min(1, selected.score)) } : {}) },
    ];
  return body;
}

/** Hours from a ticket's creation to each clock's deadline: the promise read to the caller. */
export function promisedHours(
  ticket: { createdAt: string; sla: { clocks: { name: string; dueAt: string }[] } },
  name: string,
): number | '?' {
  const c = ticket.sla.clocks.find((x) => x.name === name);
  return c ? Math.round((Date.parse(c.dueAt) - Date.parse(ticket.createdAt)) / 3_600_000) : '?';
}
