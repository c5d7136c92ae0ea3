import { basename, join } from 'node:path';
import { readYaml, yamlFiles, KnowledgeError, type KnowledgeBase, type KnowledgeProblem } from '../knowledge/load.js';
import type { ProductLineCode } from '../knowledge/schema.js';
import { checklistFileSchema, planFileSchema, type Checklist, type ChecklistItem, type Plan, type PlanFile } from './schema.js';

export interface MaintenanceKnowledge {
  settings: PlanFile;
  /** Plan per service tier id; tiers without the maintenance service have none. */
  plans: Map<string, Plan>;
  checklists: Map<ProductLineCode, Checklist>;
}

/** knowledge/maintenance/: plans.yaml and checklists/<LINE>.yaml, with every problem named. */
export function inspectMaintenance(dir: string, kb: KnowledgeBase): { maintenance?: MaintenanceKnowledge; problems: KnowledgeProblem[] } {
  const problems: KnowledgeProblem[] = [];
  const root = join(dir, 'maintenance');
  const settings = readYaml(dir, join(root, 'plans.yaml'), planFileSchema, problems);
  const checklists = new Map<ProductLineCode, Checklist>();
  for (const file of yamlFiles(join(root, 'checklists'))) {
    const data = readYaml(dir, file, checklistFileSchema, problems);
    if (!data) continue;
    const name = `maintenance/checklists/${basename(file)}`;
    if (basename(file).replace(/\.ya?ml$/, '') !== data.product_line) {
      problems.push({
        file: name,
        field: 'product_line',
        message: `the file of line ${data.product_line} is named ${data.product_line}.yaml`,
      });
    }
    if (!kb.productLines.has(data.product_line)) {
      problems.push({
        file: name,
        field: 'product_line',
        message: `${data.product_line} is not a product line in service-policy.yaml (${kb.productLines.codes.join(', ')})`,
      });
    }
    checkChecklist(name, data, kb, problems);
    checklists.set(data.product_line, data);
  }
  for (const line of kb.productLines.all) {
    if (!checklists.has(line.code))
      problems.push({ file: `maintenance/checklists/${line.code}.yaml`, message: `no inspection checklist for ${line.name.en}` });
  }
  if (!settings) return { problems };
  const plans = checkPlans(settings, kb, problems);
  return { maintenance: { settings, plans, checklists }, problems };
}

export function loadMaintenance(dir: string, kb: KnowledgeBase): MaintenanceKnowledge {
  const { maintenance, problems } = inspectMaintenance(dir, kb);
  if (!maintenance || problems.length) throw new KnowledgeError(problems);
  return maintenance;
}

function checkChecklist(file: string, c: Checklist, kb: KnowledgeBase, problems: KnowledgeProblem[]): void {
  const seen = new Set<string>();
  c.items.forEach((item, i) => {
    const at = (field: string, message: string) => problems.push({ file, entry: item.id, field: `items[${i}].${field}`, message });
    if (seen.has(item.id)) at('id', 'duplicate item id');
    seen.add(item.id);
    if (!item.id.startsWith(`${c.product_line}-`)) at('id', `items of ${c.product_line} are numbered ${c.product_line}-I01 …`);
    item.parts.forEach((code, j) => {
      if (!kb.parts.has(code)) at(`parts[${j}]`, `unknown part code ${code}`);
      else if (!code.startsWith(`${c.product_line}-`)) at(`parts[${j}]`, `${code} is not a part of ${c.product_line}`);
    });
    item.faults.forEach((id, j) => {
      if (!kb.faultsById.has(id)) at(`faults[${j}]`, `unknown fault id ${id}`);
      else if (!id.startsWith(`${c.product_line}-`)) at(`faults[${j}]`, `${id} is not a fault of ${c.product_line}`);
    });
  });
}

function checkPlans(settings: PlanFile, kb: KnowledgeBase, problems: KnowledgeProblem[]): Map<string, Plan> {
  const file = 'maintenance/plans.yaml';
  const plans = new Map<string, Plan>();
  const ascending = (m: number[]) => m.every((v, i) => i === 0 || v > m[i - 1]!);
  if (!ascending(settings.schedule.default_months) || settings.schedule.default_months[0] !== 1) {
    problems.push({
      file,
      field: 'schedule.default_months',
      message: 'months rise and start at 1: the inspection in the first month after acceptance is kept',
    });
  }
  settings.plans.forEach((p, i) => {
    const at = (field: string, message: string) => problems.push({ file, entry: p.tier, field: `plans[${i}].${field}`, message });
    const tier = kb.policy.service_tiers.find((t) => t.id === p.tier);
    if (!tier) return at('tier', `unknown service tier (service-policy.yaml has ${kb.policy.service_tiers.map((t) => t.id).join(', ')})`);
    if (plans.has(p.tier)) at('tier', 'a second plan for this tier');
    if (!tier.services.includes('maintenance')) at('tier', `tier ${p.tier} does not include the maintenance service`);
    if (p.value_added && !tier.services.includes('value-added'))
      at('value_added', `tier ${p.tier} does not include the value-added service`);
    if (p.default_months && (!ascending(p.default_months) || p.default_months[0] !== 1)) at('default_months', 'months rise and start at 1');
    plans.set(p.tier, p);
  });
  for (const t of kb.policy.service_tiers) {
    if (t.services.includes('maintenance') && !plans.has(t.id))
      problems.push({ file, entry: t.id, message: `tier ${t.id} includes maintenance but has no plan` });
  }
  return plans;
}

/** The items an inspection of this line covers under this plan. */
export function checklistFor(m: MaintenanceKnowledge, line: ProductLineCode, plan: Plan | undefined): ChecklistItem[] {
  const items = m.checklists.get(line)?.items ?? [];
  return items.filter((i) => !i.value_added || Boolean(plan?.value_added));
}
