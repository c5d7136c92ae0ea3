import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { inspectKnowledge, loadKnowledge, KnowledgeError } from '../src/knowledge/load.js';
import { stopWorkForFault, stopWorkSteps } from '../src/knowledge/safety.js';
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

describe('stop-work instructions and emergency numbers (knowledge/safety.yaml)', () => {
  const kb = loadKnowledge(KNOWLEDGE_DIR);

  it('has the deployment defaults for the emergency numbers', () => {
    expect(kb.safety.emergencyNumbers).toMatchObject({ fire: '119', ambulance: '120' });
    expect(kb.safety.review.emergencyNumbers.status).toBe('default');
  });

  it('gives every product line its own list in both languages, numbers filled in', () => {
    for (const line of kb.policy.product_lines) {
      const en = stopWorkSteps(kb, line.code, 'en');
      const zh = stopWorkSteps(kb, line.code, 'zh');
      expect(en.length).toBeGreaterThanOrEqual(3);
      expect(zh.length).toBe(en.length);
      expect(en.join(' ')).not.toEqual(stopWorkSteps(kb, undefined, 'en').join(' '));
      expect([...en, ...zh].join(' ')).not.toMatch(/\{\w+\}/);
      expect(en.join(' ')).toMatch(/120/);
    }
  });

  it('isolates each line the way its drive needs: engine and key, main switch, free-slew before isolation on a tower crane', () => {
    const steps = (line: string) => stopWorkSteps(kb, line, 'en').join(' ');
    for (const line of ['PT', 'RR', 'PV', 'MM', 'HD']) expect(steps(line)).toMatch(/switch off the engine, take the key/i);
    expect(steps('CP')).toMatch(/Diesel pump.*Electric pump.*lock/);
    expect(steps('TC')).toMatch(/land it.*raise it.*trolley in.*free-slew.*clear.*isolate/);
    expect(steps('RR')).toMatch(/level.*parking brake.*chock/);
    expect(stopWorkSteps(kb, 'TC', 'zh').join('')).toMatch(/自由回转[\s\S]*断开塔机总电源/);
  });

  it('falls back to the generic list for an unknown line, and leaves it out where the entry replaces it', () => {
    expect(stopWorkSteps(kb, undefined, 'zh')).toEqual(stopWorkSteps(kb, 'XX', 'zh'));
    expect(stopWorkSteps(kb, undefined, 'en')[0]).toMatch(/emergency stop/);
    const own = kb.faults.find((f) => f.stop_work === 'own');
    if (own) expect(stopWorkForFault(kb, own, 'en')).toEqual([]);
    expect(stopWorkForFault(kb, kb.faultsById.get('TC-M03')!, 'en')).toEqual(stopWorkSteps(kb, 'TC', 'en'));
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

  it('reports an unknown emergency number, a line without stop-work steps and a misplaced stop_work: own', () => {
    const file = join(dir, 'safety.yaml');
    const safety = parse(readFileSync(file, 'utf8'));
    delete safety.stop_work.lines.HD;
    safety.stop_work.after[0].en += ' Or call {firemen}.';
    writeFileSync(file, stringify(safety));
    editFaults((f) => {
      f[0]!.safety[0].zh += '请拨打 {ambulance}。{gas}';
      f[0]!.stop_work = 'own';
    });
    const problems = inspectKnowledge(dir).problems;
    const text = problems.map((p) => `${p.file} › ${p.entry ?? ''} › ${p.field ?? ''}: ${p.message}`).join('\n');
    expect(text).toMatch(/safety\.yaml ›  › : unknown emergency number \{firemen\}/);
    expect(text).toMatch(/safety\.yaml › HD › stop_work\.lines\.HD: product line has no stop-work instructions/);
    expect(text).toMatch(/faults\/PT\.yaml › PT-H01 › safety\[0\]\.zh: unknown emergency number \{gas\}/);
    expect(text).toMatch(/PT-H01 › stop_work: stop_work "own"/);
    expect(text).not.toMatch(/\{ambulance\}/);
  });

  it('reports YAML syntax errors with the file and throws a readable KnowledgeError', () => {
    writeFileSync(join(dir, 'faults', 'PT.yaml'), 'faults: [ {id: PT-H01\n');
    expect(() => loadKnowledge(dir)).toThrow(KnowledgeError);
    expect(inspectKnowledge(dir).problems[0]).toMatchObject({ file: 'faults/PT.yaml', message: expect.stringMatching(/YAML syntax/) });
  });
});
