/**
 * Load test on loopback: N concurrent conversations through the local Direct Line
 * endpoint plus staff traffic on /api/suggest, each phase bounded in time. Prints
 * turns/s, latency percentiles, errors and the server's peak memory for every N, with
 * /healthz under the same load as the baseline of bare HTTP cost in the same run.
 *
 *   npm run bench:load -- [--n 10,50,200] [--seconds 15] [--profile]
 *
 * --profile runs the server under --cpu-prof and prints where its CPU time went;
 * --pace P caps each conversation at P turns a second (default 3; 0 = back to back);
 * --db postgres://… runs the server on PostgreSQL instead of SQLite.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { percentile } from '../src/evaluation/evaluate.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10,50,200' },
    seconds: { type: 'string', default: '15' },
    profile: { type: 'boolean', default: false },
    /** Turns a second each conversation sends at most (people pause between messages); 0 = flat out. */
    pace: { type: 'string', default: '3' },
    /** A PostgreSQL URL to run the server against instead of its embedded SQLite. */
    db: { type: 'string' },
  },
});
const pace = Number(values.pace);
const levels = values.n!.split(',').map(Number);
const seconds = Number(values.seconds);
const KEY = 'load-test-agent-secret-0001';
const dataDir = mkdtempSync(join(tmpdir(), 'load-'));
const profDir = join(dataDir, 'prof');

const child = spawn(process.execPath, [...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), 'dist/src/cli/main.js', 'serve'], {
  env: {
    ...process.env,
    PORT: '0',
    DATA_DIR: dataDir,
    INDEX_DIR: 'var/index',
    API_KEYS: `${KEY}:agent`,
    RATE_LIMIT_SCALE: '10000',
    LOG_LEVEL: 'info',
    ...(values.db ? { DATABASE_URL: values.db } : {}),
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
child.stdout!.on('data', (d) => (out += d));
child.stderr!.on('data', (d) => (out += d));
const base = await new Promise<string>((resolve, reject) => {
  const t = setInterval(async () => {
    const port = /"port":(\d+)/.exec(out)?.[1];
    if (child.exitCode !== null) reject(new Error(out));
    if (port && (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) {
      clearInterval(t);
      resolve(`http://127.0.0.1:${port}`);
    }
  }, 100);
});

/** Peak resident memory of the server so far (Linux VmHWM), in MB. */
const peakMb = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

/** One operator's conversation, repeated until the phase ends: a description, Skip, then steps. */
const SCRIPT = [
  ['the outriggers on my pump truck will not come down', 'Skip', 'Checked, next', 'Checked, next', 'start over'],
  ['塔吊吊不起来，起升没反应', '跳过', '查过了，下一步', '取消'],
  ['my road roller drum will not vibrate', 'Skip', 'Checked, next', 'start over'],
  ['hydraulic oil on the trailer pump is far too hot', 'Skip', 'Checked, next', 'start over'],
];

async function conversations(n: number, durationMs: number) {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + durationMs;
  const user = async (u: number) => {
    const tok = (await (await fetch(`${base}/chat/token`, { method: 'POST' })).json()) as { token: string; conversationId: string };
    const headers = { authorization: `Bearer ${tok.token}`, 'content-type': 'application/json' };
    await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers });
    const lines = SCRIPT[u % SCRIPT.length]!;
    // People do not type in lockstep: each conversation starts at a random moment of the
    // first interval and its pauses vary by ±25 %, so arrivals are spread, not synchronised.
    if (pace > 0) await new Promise((r) => setTimeout(r, Math.random() * (1000 / pace)));
    for (let i = 0; Date.now() < deadline; i++) {
      const t0 = performance.now();
      const nextAt = t0 + (pace > 0 ? (1000 / pace) * (0.75 + Math.random() * 0.5) : 0);
      try {
        const res = await fetch(`${base}/v3/directline/conversations/${tok.conversationId}/activities`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ type: 'message', text: lines[i % lines.length], from: { id: `load-user-${u}` } }),
        });
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
      const wait = nextAt - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: n }, (_, u) => user(u)));
  const elapsed = (performance.now() - started) / 1000;
  return { turns: latencies.length, perSecond: latencies.length / elapsed, latencies, errors };
}

async function cannon(path: string, n: number, durationS: number, body?: unknown) {
  const r = await autocannon({
    url: `${base}${path}`,
    connections: n,
    duration: durationS,
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 1 : 0) : '-');
console.log(
  `\nLoad on ${base} (2 cores; server and load generator share them). Phases of ${seconds} s; ` +
    `each conversation sends ${pace > 0 ? `at most ${pace} turns/s` : 'turns back to back'}.\n`,
);
const rows: string[][] = [];
for (const n of levels) {
  const conv = await conversations(n, seconds * 1000);
  const suggest = await cannon('/api/suggest', n, Math.max(5, seconds / 3), { text: 'the boom is very slow to lift', limit: 5 });
  const health = await cannon('/healthz', n, Math.max(5, seconds / 3));
  rows.push([
    String(n),
    fmt(conv.perSecond),
    fmt(percentile(conv.latencies, 50)),
    fmt(percentile(conv.latencies, 95)),
    fmt(percentile(conv.latencies, 99)),
    String(conv.errors),
    fmt(suggest.rps),
    fmt(suggest.p50),
    fmt(suggest.p99),
    String(suggest.errors),
    fmt(health.rps),
    fmt(health.p99),
    String(peakMb()),
  ]);
}
const head = ['N', 'turns/s', 'turn p50', 'p95', 'p99 ms', 'errors', 'suggest/s', 'p50', 'p99 ms', 'errors', 'healthz/s', 'p99 ms', 'peak MB'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
console.log([head, ...rows].map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n'));

child.kill('SIGINT');
await new Promise((r) => child.once('exit', r));
if (values.profile) printProfile();
rmSync(dataDir, { recursive: true, force: true });

/** Self time per function from the server's CPU profile: where the time goes. */
function printProfile() {
  const file = existsSync(profDir) ? readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  if (!file) return console.log('(no CPU profile written)');
  const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  prof.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const where = f.url ? `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/main\//, '')}:${f.lineNumber + 1}` : '(native)';
    const key = `${f.functionName || '(anonymous)'}  ${where}`;
    self.set(key, (self.get(key) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log('\nServer CPU by function (self time, top 15):');
  for (const [k, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
}
