import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { inspectKnowledge, loadKnowledge, KnowledgeError } from '../src/knowledge/load.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';

interface Topic {
  id: string;
  self_service: string | boolean;
}

describe('the shipped fault manual', () => {
  const kb = loadKnowledge(KNOWLEDGE_DIR);
  const catalogue = parse(readFileSync(join(REPO_ROOT, 'test/fixtures/fault-catalogue.yaml'), 'utf8')) as { topics: Topic[] };

  it('validates without problems', () => {
    expect(inspectKnowledge(KNOWLEDGE_DIR).problems).toEqual([]);
  });

  it('covers every catalogue topic with exactly its id and self-service level', () => {
    for (const topic of catalogue.topics) {
      const fault = kb.faultsById.get(topic.id);
      expect(fault?.id).toBe(topic.id);
      // YAML reads a bare yes as true: the catalogue means the string "yes".
      const level = topic.self_service === true ? 'yes' : topic.self_service;
      expect([topic.id, fault?.self_service]).toEqual([topic.id, level]);
    }
  });

  it('adds entries beyond the catalogue and marks unreviewed content as default', () => {
    expect(kb.faults.length).toBeGreaterThan(catalogue.topics.length);
    expect(kb.faults.every((f) => ['default', 'reviewed', 'draft'].includes(f.review.status))).toBe(true);
  });

  it('never offers technician work on a fault that is not operator-serviceable', () => {
    for (const f of kb.faults.filter((x) => x.self_service === 'no')) {
      const operatorSteps = f.causes.flatMap((c) => [...c.checks, ...c.fixes]).filter((s) => s.by === 'operator');
      expect([f.id, operatorSteps]).toEqual([f.id, []]);
    }
  });
});

describe('kb validation of bad data', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kb-'));
    cpSync(KNOWLEDGE_DIR, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const editFaults = (edit: (faults: Record<string, any>[]) => void) => {
    const file = join(dir, 'faults', 'PT.yaml');
    const doc = parse(readFileSync(file, 'utf8')) as { faults: Record<string, any>[] };
    edit(doc.faults);
    writeFileSync(file, stringify(doc));
  };

  it('names file, entry and field for a missing language', () => {
    editFaults((f) => delete f[0]!.title.zh);
    const { problems } = inspectKnowledge(dir);
    expect(problems).toContainEqual(expect.objectContaining({ file: 'faults/PT.yaml', entry: 'PT-H01', field: 'faults[0].title.zh' }));
  });

  it('reports duplicate ids, unknown part codes and unknown grades', () => {
    editFaults((f) => {
      f[1]!.id = 'PT-H01';
      f[2]!.causes[0].parts = ['PT-HY-9999'];
      f[3]!.causes[0].grade = 'C9';
    });
    const messages = inspectKnowledge(dir).problems.map((p) => `${p.entry} ${p.field ?? ''} ${p.message}`);
    expect(messages.join('\n')).toMatch(/PT-H01 +duplicate fault id/);
    expect(messages.join('\n')).toMatch(/unknown part code PT-HY-9999/);
    expect(messages.join('\n')).toMatch(/fault grade/);
  });

  it('refuses an operator fix on a checks-only fault and a category that contradicts the id', () => {
    editFaults((f) => {
      const checksOnly = f.find((x) => x.self_service === 'checks-only')!;
      checksOnly.causes[0].fixes[0].by = 'operator';
      f[0]!.category = 'electrical';
    });
    const text = inspectKnowledge(dir).problems.map((p) => p.message).join('\n');
    expect(text).toMatch(/checks-only: fixes must be by technician/);
    expect(text).toMatch(/does not match category electrical/);
  });

  it('reports YAML syntax errors with the file and throws a readable KnowledgeError', () => {
    writeFileSync(join(dir, 'faults', 'PT.yaml'), 'faults: [ {id: PT-H01\n');
    expect(() => loadKnowledge(dir)).toThrow(KnowledgeError);
    expect(inspectKnowledge(dir).problems[0]).toMatchObject({ file: 'faults/PT.yaml', message: expect.stringMatching(/YAML syntax/) });
  });
});
