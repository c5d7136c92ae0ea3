import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { inspectKnowledge, loadKnowledge, KnowledgeError } from '../src/knowledge/load.js';
import { stopWorkForFault, stopWorkSteps } from '../src/knowledge/safety.js';
import { lintStepText } from '../src/knowledge/step-lint.js';
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

describe('the step-text lint (knowledge/step-lint.yaml)', () => {
  const kb = loadKnowledge(KNOWLEDGE_DIR);
  const lint = (en: string, zh = '检查显示屏。') => lintStepText({ en, zh }, kb.stepLint).map((f) => `${f.lang}:${f.id}`);
  const lintZh = (zh: string) => lintStepText({ en: 'Check the display.', zh }, kb.stepLint).map((f) => `${f.lang}:${f.id}`);

  it('finds the hazard in every inflection and in Chinese', () => {
    for (const en of [
      'Loosen the clamp on the delivery line.',
      'Loosening the clamp slowly, clear the plug.',
      'Slowly loosened clamps let the pressure out.',
      'Climb onto the boom and check the pipe.',
      'Reach into the hopper and pull the stone out.',
      'Bypass the outrigger interlock to fold the boom.',
      'Stand under the boom while a second person lowers it.',
      'Reset the moment limiter and carry on lifting.',
      'Take the pipe apart at the elbow.',
    ])
      expect([en, lint(en).some((x) => x.startsWith('en:'))]).toEqual([en, true]);
    for (const zh of [
      '松开输送管上的管卡，清除堵塞物。',
      '拆卡箍后把堵塞物掏出来。',
      '爬上臂架检查管子。',
      '把手伸进料斗把石头拿出来。',
      '短接限位开关后继续起吊。',
      '站到臂架下方指挥。',
    ])
      expect([zh, lintZh(zh).some((x) => x.startsWith('zh:'))]).toEqual([zh, true]);
  });

  it('reads a warning as a warning, but is not fooled by "do not forget" or a new clause', () => {
    expect(lint('Keep everyone away from the end hose; do not open any clamp, pipe or hose.')).toEqual([]);
    expect(lint('Never stand under the boom or in line with a joint.')).toEqual([]);
    expect(lintZh('所有人远离末端软管，不要打开任何管卡。')).toEqual([]);
    expect(lint("Don't forget to loosen the clamp first.")).toContain('en:opens-a-line');
    expect(lint("Don't panic, loosen the clamp.")).toContain('en:opens-a-line');
    expect(lint('Do not wait and loosen the clamp.')).toContain('en:opens-a-line');
    expect(lintZh('不要忘记松开管卡。')).toContain('zh:opens-a-line');
    expect(lintZh('不要慌，松开管卡就行。')).toContain('zh:opens-a-line');
  });

  it('wants hands-on work at a moving part to say the machine is isolated, in the step itself', () => {
    expect(lint('Clear the lumps off the agitator blades with a bar.')).toContain('en:isolation');
    expect(lint('Engine off, key out: clear the lumps off the agitator blades with a bar.')).toEqual([]);
    expect(lint('Watch whether the agitator turns when you switch it on.')).toEqual([]);
    expect(lintZh('清理搅拌叶片上的结块。')).toContain('zh:isolation');
    expect(lintZh('熄火并拔下钥匙后，清理搅拌叶片上的结块。')).toEqual([]);
    // A pinch zone is fine once isolated; a raised boom is not made safe by switching off.
    expect(lint('Look between the drum and the frame for stones.')).toContain('en:enters-a-pinch-zone');
    expect(lint('Engine off, key out: look between the drum and the frame for stones.')).toEqual([]);
    expect(lint('Engine off, key out: stand under the boom and look at the pin.')).toContain('en:enters-a-hazard-zone');
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
    const text = inspectKnowledge(dir)
      .problems.map((p) => p.message)
      .join('\n');
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

  it('fails an operator step that loosens a clamp on the delivery line (English or Chinese), naming file, entry and field', () => {
    editFaults((f) => {
      const pt = f.find((x) => x.id === 'PT-M05')!;
      pt.causes[0].fixes[0].en = 'Loosen the clamp on the delivery line and clear the plug.';
      const h = f.find((x) => x.id === 'PT-H04')!;
      h.causes[0].fixes[0].zh = '松开输送管上的管卡，清除堵塞物。';
    });
    const problems = inspectKnowledge(dir).problems;
    expect(problems).toContainEqual(
      expect.objectContaining({
        file: 'faults/PT.yaml',
        entry: 'PT-M05',
        field: 'causes[0].fixes[0].en',
        message: expect.stringMatching(/hazard opens-a-line: "loosen"/),
      }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({
        file: 'faults/PT.yaml',
        entry: 'PT-H04',
        field: 'causes[0].fixes[0].zh',
        message: expect.stringMatching(/hazard opens-a-line: "松开"/),
      }),
    );
    expect(() => loadKnowledge(dir)).toThrow(KnowledgeError);
  });

  it('accepts a flagged step marked reviewed with a reason, but never excuses missing isolation', () => {
    editFaults((f) => {
      const step = f.find((x) => x.id === 'PT-M05')!.causes[0].fixes[0];
      step.en = 'Loosen the clamp on the delivery line and clear the plug.';
      step.zh = '松开输送管上的管卡，清除堵塞物。';
      step.reviewed = 'Written company procedure for an empty line at ground level, two trained people.';
      const agitator = f.find((x) => x.id === 'PT-H04')!.causes[0].fixes[0];
      agitator.en = 'Clear the lumps off the agitator blades with a bar.';
      agitator.reviewed = 'Only a bar, no hands.';
    });
    const problems = inspectKnowledge(dir).problems;
    expect(problems.filter((p) => p.entry === 'PT-M05')).toEqual([]);
    expect(problems).toContainEqual(
      expect.objectContaining({ entry: 'PT-H04', field: 'causes[0].fixes[0].en', message: expect.stringMatching(/needs isolation/) }),
    );
  });

  it('does not lint technician steps or steps the bot never shows', () => {
    editFaults((f) => {
      f.find((x) => x.id === 'PT-H01')!.causes[0].fixes.push({ by: 'technician', en: 'Loosen the clamp.', zh: '松开管卡。' });
    });
    expect(inspectKnowledge(dir).problems).toEqual([]);
  });

  it('reports YAML syntax errors with the file and throws a readable KnowledgeError', () => {
    writeFileSync(join(dir, 'faults', 'PT.yaml'), 'faults: [ {id: PT-H01\n');
    expect(() => loadKnowledge(dir)).toThrow(KnowledgeError);
    expect(inspectKnowledge(dir).problems[0]).toMatchObject({ file: 'faults/PT.yaml', message: expect.stringMatching(/YAML syntax/) });
  });
});
