import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GapStore } from '../src/feedback/gap-store.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { openDatabase } from '../src/storage/open-database.js';
import { CLI, KNOWLEDGE_DIR } from './support/paths.js';

const run = promisify(execFile);

// Every test runs the CLI as a child process (each run loads the manual): a limit that holds on a busy machine.
describe('knowledge-gap loop (kb gaps)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gaps-'));
    cpSync(KNOWLEDGE_DIR, join(dir, 'knowledge'), { recursive: true });
    env = { ...process.env, DATA_DIR: join(dir, 'var'), KNOWLEDGE_DIR: join(dir, 'knowledge'), LOG_LEVEL: 'silent' };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function recordGap(text: string, actual: string | null) {
    const db = await openDatabase({ dataDir: join(dir, 'var') });
    const item = await new GapStore(db).record({
      source: actual ? 'close-out-mismatch' : 'close-out-not-in-manual',
      text,
      language: 'en',
      productLine: 'PT',
      matchedFaultId: 'PT-H01',
      actualFaultId: actual,
      ticketId: null,
    });
    await db.close();
    return item;
  }

  it('lists items and turns an accepted one into a symptom phrasing, keeping the file’s comments', async () => {
    const item = await recordGap('arm shudders and crawls when the oil is cold', 'PT-H03');
    const listed = await run('node', [CLI, 'gaps', 'list'], { env });
    expect(listed.stdout).toContain(item.id.slice(0, 8));
    expect(listed.stdout).toContain('arm shudders');

    const before = readFileSync(join(dir, 'knowledge', 'faults', 'PT.yaml'), 'utf8');
    await run('node', [CLI, 'gaps', 'accept', item.id.slice(0, 8)], { env });
    const kb = loadKnowledge(join(dir, 'knowledge'));
    expect(kb.faultsById.get('PT-H03')!.symptoms.en).toContain('arm shudders and crawls when the oil is cold');
    const after = readFileSync(join(dir, 'knowledge', 'faults', 'PT.yaml'), 'utf8');
    const comments = (s: string) => s.split('\n').filter((l) => l.trim().startsWith('#'));
    expect(comments(after)).toEqual(comments(before));

    const remaining = await run('node', [CLI, 'gaps', 'list'], { env });
    expect(remaining.stdout).toMatch(/no open knowledge-gap items/);
  }, 120_000);

  it('refuses an item without a fault to attach it to, and leaves the manual untouched', async () => {
    const item = await recordGap('something the manual does not know', null);
    const before = readFileSync(join(dir, 'knowledge', 'faults', 'PT.yaml'), 'utf8');
    const err = await run('node', [CLI, 'gaps', 'accept', item.id], { env }).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/--fault PT-H01/);
    const unknown = await run('node', [CLI, 'gaps', 'accept', item.id, '--fault', 'PT-H77'], { env }).catch((e) => e);
    expect(unknown.code).toBe(1);
    expect(readFileSync(join(dir, 'knowledge', 'faults', 'PT.yaml'), 'utf8')).toBe(before);
  }, 120_000);

  it('keeps control and bidi characters out of the manual and out of the terminal, and caps what it keeps', async () => {
    const long = await recordGap('boom creeps '.repeat(1000), 'PT-H03');
    expect(long.text.length).toBeLessThanOrEqual(2000);
    const refused = await run('node', [CLI, 'gaps', 'accept', long.id.slice(0, 8)], { env }).catch((e) => e);
    expect(refused.stderr).toMatch(/too long for a symptom phrasing/);
    await run('node', [CLI, 'gaps', 'reject', long.id.slice(0, 8)], { env });

    const hostile = 'boom\u007f creeps\u0085 down \u202eslowly\u202c when \u001b[31mhot\u001b[0m\u200b and the oil smells';
    const item = await recordGap(hostile, 'PT-H03');
    const listed = await run('node', [CLI, 'gaps', 'list'], { env });
    expect(listed.stdout).toContain(item.id.slice(0, 8));
    // No raw escape or bidi character reaches the terminal; they are shown escaped.
    expect(listed.stdout).not.toMatch(/[\u001b\u007f\u0085\u202e\u202c\u200b]/);
    expect(listed.stdout).toContain('\\u{1b}[31m');

    await run('node', [CLI, 'gaps', 'accept', item.id.slice(0, 8)], { env });
    const yamlText = readFileSync(join(dir, 'knowledge', 'faults', 'PT.yaml'), 'utf8');
    expect(yamlText).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
    const phrasing = loadKnowledge(join(dir, 'knowledge')).faultsById.get('PT-H03')!.symptoms.en.at(-1)!;
    expect(phrasing).toBe('boom creeps down slowly when [31mhot[0m and the oil smells');
  }, 120_000);
});
