import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { KNOWLEDGE_DIR, REPO_ROOT } from './paths.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'eighth-line');

/**
 * A copy of knowledge/ with an eighth product line (SB, placing boom) added the way a
 * service organisation would add one: its entries in service-policy.yaml and safety.yaml,
 * its fault file, part catalogue and inspection checklist. Returns the folder.
 */
export function knowledgeWithEighthLine(): string {
  const dir = mkdtempSync(join(tmpdir(), 'knowledge-8-'));
  cpSync(KNOWLEDGE_DIR, dir, { recursive: true });
  for (const file of ['faults/SB.yaml', 'parts/SB.yaml', 'maintenance/checklists/SB.yaml']) cpSync(join(FIXTURE, file), join(dir, file));
  const read = (file: string): unknown => parse(readFileSync(file, 'utf8'));
  const policy = read(join(dir, 'service-policy.yaml')) as { product_lines: unknown[] };
  policy.product_lines.push(...(read(join(FIXTURE, 'service-policy.add.yaml')) as { product_lines: unknown[] }).product_lines);
  writeFileSync(join(dir, 'service-policy.yaml'), stringify(policy));
  const safety = read(join(dir, 'safety.yaml')) as { stop_work: { lines: Record<string, unknown> } };
  Object.assign(
    safety.stop_work.lines,
    (read(join(FIXTURE, 'safety.add.yaml')) as { stop_work: { lines: Record<string, unknown> } }).stop_work.lines,
  );
  writeFileSync(join(dir, 'safety.yaml'), stringify(safety));
  return dir;
}
