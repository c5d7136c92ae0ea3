import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';

const run = promisify(execFile);
const env = { ...process.env, DATA_DIR: join(REPO_ROOT, 'var', 'test'), LOG_LEVEL: 'silent' };

describe('command line', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'cli-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validate succeeds on the shipped manual', async () => {
    const { stdout } = await run('node', [CLI, 'validate'], { env });
    expect(stdout).toMatch(/^OK: \d+ faults on 7 product lines/);
  });

  it('validate exits non-zero naming file, entry and field', async () => {
    const kb = join(dir, 'kb');
    cpSync(KNOWLEDGE_DIR, kb, { recursive: true });
    writeFileSync(join(kb, 'grades.yaml'), 'grades:\n  - {grade: Z9, workload_coefficient: 1, description: {en: x}}\n');
    const err = await run('node', [CLI, 'validate'], { env: { ...env, KNOWLEDGE_DIR: kb } }).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/grades\.yaml › grades\[0\]\.grade: a fault grade is A3/);
    expect(err.stderr).toMatch(/grades\[0\]\.description\.zh/);
  });

  it('eval --json prints the metrics object for any query file', async () => {
    const file = join(dir, 'q.jsonl');
    writeFileSync(
      file,
      [
        { text: 'pump truck hydraulic oil is way too hot', expect: ['PT-H04'] },
        { text: '塔吊风速报警停机了', expect: ['TC-E07'] },
        { text: 'what time is it', expect: [] },
      ]
        .map((q) => JSON.stringify(q))
        .join('\n'),
    );
    const { stdout } = await run('node', [CLI, 'eval', '--file', file, '--json'], { env });
    const report = JSON.parse(stdout);
    for (const key of ['n', 'recall_at_1', 'recall_at_3', 'mrr', 'abstain_accuracy', 'false_abstain_rate', 'p50_ms', 'p95_ms']) {
      expect(typeof report[key]).toBe('number');
    }
    expect(report.n).toBe(3);
  }, 120_000);

  it('eval rejects a malformed query file with the line number', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"text": "ok", "expect": []}\n{"text": 5}\nnot json\n');
    const err = await run('node', [CLI, 'eval', '--file', file], { env }).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/bad\.jsonl:2: text/);
    expect(err.stderr).toMatch(/bad\.jsonl:3: not JSON/);
  });
});
