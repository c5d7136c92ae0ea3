import { LANGUAGES, type Lang } from '../language/languages.js';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { z, type ZodIssue, type ZodType, type ZodTypeDef } from 'zod';
import {
  faultSchema,
  gradeTableSchema,
  partsFileSchema,
  safetyFileSchema,
  servicePolicySchema,
  stepLintSchema,
  type StepLintVocabulary,
  type Fault,
  type GradeTable,
  type ServicePolicy,
} from './schema.js';
import { ProductLines } from './product-lines.js';
import { checkKnowledge } from './rules.js';
import { fillNumbers, safetyData, type SafetyData } from './safety.js';

/** One thing wrong with the manual, located precisely enough for an author to fix it. */
export interface KnowledgeProblem {
  file: string;
  entry?: string;
  field?: string;
  message: string;
}

export interface Part {
  code: string;
  name: { en: string; zh: string };
  wear_part: boolean;
}

export interface KnowledgeBase {
  policy: ServicePolicy;
  /** The manual's product lines: codes, names per language, and the check for codes from outside. */
  productLines: ProductLines;
  grades: GradeTable['grades'];
  parts: Map<string, Part>;
  /** Emergency numbers and per-line stop-work instructions (knowledge/safety.yaml). */
  safety: SafetyData;
  /** The hazard vocabulary operator steps are linted against (knowledge/step-lint.yaml). */
  stepLint: StepLintVocabulary;
  faults: Fault[];
  faultsById: Map<string, Fault>;
  /** Where each fault came from, so later tools (feedback) can write back to it. */
  sourceFile: Map<string, string>;
}

export class KnowledgeError extends Error {
  constructor(readonly problems: KnowledgeProblem[]) {
    super(
      `The fault manual has ${problems.length} problem(s):\n` +
        problems.map(formatProblem).join('\n'),
    );
    this.name = 'KnowledgeError';
  }
}

export function formatProblem(p: KnowledgeProblem): string {
  const where = [p.file, p.entry, p.field].filter(Boolean).join(' › ');
  return `  ${where}: ${p.message}`;
}

function issuePath(issue: ZodIssue): string {
  return issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');
}

/** Parses and validates one YAML file; problems are appended, the parsed value returned if valid. */
export function readYaml<T>(
  dir: string,
  file: string,
  schema: ZodType<T, ZodTypeDef, unknown>,
  problems: KnowledgeProblem[],
): T | undefined {
  const name = relative(dir, file) || file;
  let raw: unknown;
  try {
    const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push({ file: name, message: `YAML syntax: ${e.message}` });
      return undefined;
    }
    raw = doc.toJS();
  } catch (e) {
    problems.push({ file: name, message: `cannot read: ${(e as Error).message}` });
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    problems.push({ file: name, field: issuePath(issue), message: issue.message });
  }
  return undefined;
}

const faultsFileShape = z.object({ faults: z.array(z.unknown()).min(1) }).strict();

/** For an issue inside faults[i], name the entry by its id so authors can find it. */
function faultIdAt(path: (string | number)[], raw: unknown): string | undefined {
  const index = path[1];
  if (path[0] !== 'faults' || typeof index !== 'number') return undefined;
  const entry = (raw as { faults?: Array<{ id?: unknown }> }).faults?.[index];
  return typeof entry?.id === 'string' ? entry.id : `faults[${index}]`;
}

export function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

/** Loads the whole manual and returns it together with every problem found (empty = valid). */
export function inspectKnowledge(dir: string): { kb?: KnowledgeBase; problems: KnowledgeProblem[] } {
  const problems: KnowledgeProblem[] = [];
  const policy = readYaml(dir, join(dir, 'service-policy.yaml'), servicePolicySchema, problems);
  const gradeTable = readYaml(dir, join(dir, 'grades.yaml'), gradeTableSchema, problems);
  const safetyFile = readYaml(dir, join(dir, 'safety.yaml'), safetyFileSchema, problems);
  const safety = safetyFile && safetyData(safetyFile);
  const stepLint = readYaml(dir, join(dir, 'step-lint.yaml'), stepLintSchema, problems);
  if (safetyFile) {
    for (const name of placeholdersIn(safetyFile)) {
      problems.push({ file: 'safety.yaml', message: `unknown emergency number {${name}} (known: ${Object.keys(safetyFile.emergency_numbers.numbers).join(', ')})` });
    }
  }

  const parts = new Map<string, Part>();
  for (const file of yamlFiles(join(dir, 'parts'))) {
    const data = readYaml(dir, file, partsFileSchema, problems);
    for (const part of data?.parts ?? []) {
      if (parts.has(part.code)) {
        problems.push({ file: relative(dir, file), entry: part.code, message: 'duplicate part code' });
      }
      parts.set(part.code, part);
    }
  }

  const faults: Fault[] = [];
  const sourceFile = new Map<string, string>();
  const faultFiles = yamlFiles(join(dir, 'faults'));
  if (faultFiles.length === 0) problems.push({ file: 'faults/', message: 'no fault files found' });
  for (const file of faultFiles) {
    // Entries are validated one by one so that one bad entry does not hide the
    // cross-file problems (duplicates, unknown parts) of the good ones beside it.
    const data = readYaml(dir, file, faultsFileShape, problems);
    const valid: Fault[] = [];
    data?.faults.forEach((raw, i) => {
      const parsed = faultSchema.safeParse(raw);
      if (parsed.success) valid.push(parsed.data);
      else
        for (const issue of parsed.error.issues) {
          problems.push({
            file: relative(dir, file),
            entry: faultIdAt(['faults', i], data),
            field: issuePath({ ...issue, path: ['faults', i, ...issue.path] }),
            message: issue.message,
          });
        }
    });
    for (const fault of valid) {
      if (safety) fillFaultNumbers(fault, safety.emergencyNumbers, (field, message) =>
        problems.push({ file: relative(dir, file), entry: fault.id, field, message }));
      if (sourceFile.has(fault.id)) {
        problems.push({
          file: relative(dir, file),
          entry: fault.id,
          message: `duplicate fault id (also in ${sourceFile.get(fault.id)})`,
        });
        continue;
      }
      sourceFile.set(fault.id, relative(dir, file));
      faults.push(fault);
    }
  }

  if (!policy || !gradeTable || !safety || !stepLint) return { problems };
  const kb: KnowledgeBase = {
    policy,
    productLines: new ProductLines(policy),
    grades: gradeTable.grades,
    safety,
    stepLint,
    parts,
    faults,
    faultsById: new Map(faults.map((f) => [f.id, f])),
    sourceFile,
  };
  problems.push(...checkKnowledge(kb));
  return { kb, problems };
}

/** Placeholder names used in safety.yaml that it does not define. */
function placeholdersIn(file: z.infer<typeof safetyFileSchema>): string[] {
  const texts = [...Object.values(file.stop_work.lines).flat(), ...file.stop_work.unknown, ...file.stop_work.after].flatMap((b) => (b ? [b.en, b.zh] : []));
  return [...new Set(texts.flatMap((t) => fillNumbers(t, file.emergency_numbers.numbers).unknown))];
}

/** Writes this deployment's emergency numbers into a fault's safety notes and steps ({fire} → 119). */
function fillFaultNumbers(fault: Fault, numbers: Record<string, string>, report: (field: string, message: string) => void): void {
  const fill = (b: Record<Lang, string>, field: string) => {
    for (const lang of LANGUAGES) {
      const { text, unknown } = fillNumbers(b[lang], numbers);
      b[lang] = text;
      for (const name of unknown) report(`${field}.${lang}`, `unknown emergency number {${name}} (known: ${Object.keys(numbers).join(', ')})`);
    }
  };
  fault.safety.forEach((b, i) => fill(b, `safety[${i}]`));
  fault.causes.forEach((c, i) => {
    c.checks.forEach((b, j) => fill(b, `causes[${i}].checks[${j}]`));
    c.fixes.forEach((b, j) => fill(b, `causes[${i}].fixes[${j}]`));
  });
}

/** Loads the manual or throws a KnowledgeError listing every problem. */
export function loadKnowledge(dir: string): KnowledgeBase {
  const { kb, problems } = inspectKnowledge(dir);
  if (!kb || problems.length > 0) throw new KnowledgeError(problems);
  return kb;
}
