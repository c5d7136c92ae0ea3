import type { Lang } from '../src/language/languages.js';
/**
 * Load test on loopback with realistic, unique traffic: every suggestion and every chat
 * description is a different text (bench/data/descriptions.*.txt, operators' own
 * words, each sent with a serial so no two requests are equal), because a repeated text
 * measures a cache. In one run, on one machine, with the baselines beside the figures:
 *
 *   1. bare /healthz (the cost of HTTP itself);
 *   2. /api/suggest with one repeated English text (the cached case, for the ratio);
 *   3. /api/suggest with unique English texts, in rounds (medians reported), while a
 *      prober measures /healthz latency (does the event loop stay free?);
 *   4. /api/suggest with unique Chinese texts;
 *   5. N paced chat conversations through Direct Line with unique descriptions;
 *   6. the saturation point: conversations ramped up until turn p99 passes 1 s;
 *   7. 5 and 6 again on PostgreSQL (a fresh database, dropped afterwards).
 * It ends with one JSON line of its figures. Defaults run unattended in about 4 minutes.
 *
 *   npm run bench:load -- [--seconds 8] [--rounds 3] [--concurrency 10] [--conversations 50]
 *                         [--pace 3] [--db postgres://postgres@127.0.0.1:5432/test | none] [--profile]
 *                         [--phases suggest,sqlite,postgres]
 *
 * --profile runs the SQLite server under --cpu-prof and prints where its CPU time went.
 * --phases runs only some of the three parts (e.g. --phases suggest, or --phases postgres
 * for the conversations on PostgreSQL); the default runs all of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { percentile } from '../src/evaluation/evaluate.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '10' },
    conversations: { type: 'string', default: '50' },
    /** Turns a second each conversation sends at most (people pause between messages). */
    pace: { type: 'string', default: '3' },
    /** PostgreSQL for the second half ("none" skips it); a fresh database is created in it and dropped. */
    db: { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    profile: { type: 'boolean', default: false },
    phases: { type: 'string', default: 'suggest,sqlite,postgres' },
  },
});
const phases = new Set(values.phases!.split(',').map((p) => p.trim()));
for (const p of phases) if (!['suggest', 'sqlite', 'postgres'].includes(p)) throw new Error(`--phases: unknown phase ${p}`);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const conversationCount = Number(values.conversations);
const pace = Number(values.pace);
const KEY = 'load-test-agent-secret-0001';
const ONE_SECOND = 1000;

// ---- unique texts -------------------------------------------------------------------
const lines = (file: string) =>
  readFileSync(join('bench', 'data', file), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
const TEXTS = { en: lines('descriptions.en.txt'), zh: lines('descriptions.zh.txt') };
let serial = 10_000;
/** The next description in a language, with a serial as operators give it: no two are equal. */
const unique = (lang: Lang) => {
  const list = TEXTS[lang];
  const n = serial++;
  return `${list[n % list.length]} #${n}`;
};
const CACHED_TEXT = 'the boom on my pump truck is very slow to lift';

// ---- the server ---------------------------------------------------------------------
interface Server {
  base: string;
  child: ChildProcess;
  dataDir: string;
  peakMb(): number;
  stop(): Promise<void>;
}

async function startServer(opts: { databaseUrl?: string; profileDir?: string }): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'load-'));
  const child = spawn(
    process.execPath,
    [...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : []), 'dist/src/cli/main.js', 'serve'],
    {
      env: {
        ...process.env,
        PORT: '0',
        DATA_DIR: dataDir,
        INDEX_DIR: 'var/index',
        API_KEYS: `${KEY}:agent`,
        RATE_LIMIT_SCALE: '10000',
        LOG_LEVEL: 'info',
        ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The log's tail is kept for the error message; the port is caught as it passes, since
  // a long start (index building) can push its line out of the tail.
  let out = '';
  let port: string | undefined;
  const take = (d: Buffer) => {
    out = (out + d).slice(-20_000);
    port ??= /"port":(\d+)/.exec(out)?.[1];
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const base = await new Promise<string>((resolve, reject) => {
    // The poll catches its own fetch failure, so the promise it returns never rejects.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    const t = setInterval(async () => {
      if (child.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`the server exited:\n${out}`));
      }
      if (
        port &&
        (await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        clearInterval(t);
        resolve(`http://127.0.0.1:${port}`);
      }
    }, 100);
  });
  return {
    base,
    child,
    dataDir,
    peakMb() {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Math.round(Number(m[1]) / 1024) : NaN;
    },
    async stop() {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The server's encoder counters (Prometheus text from /metrics). */
async function encoderStats(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const stats: Record<string, number> = {};
  for (const m of text.matchAll(/^triage_encoder_(\w+) (\S+)$/gm)) stats[m[1]!] = Number(m[2]);
  const suggestions = [...text.matchAll(/^triage_suggestions_total\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  return { ...stats, suggestions };
}

// ---- HTTP load ----------------------------------------------------------------------
interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function cannon(base: string, path: string, durationS: number, body?: () => unknown): Promise<Figures> {
  const r = await autocannon({
    url: `${base}${path}`,
    connections: concurrency,
    duration: durationS,
    requests: [
      {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        ...(body ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: JSON.stringify(body()) }) } : {}),
      },
    ],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

/** GET /healthz every 20 ms on its own keep-alive connection until stopped: what a load balancer sees. */
function healthProbe(base: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL('/healthz', base);
  const latencies: number[] = [];
  let on = true;
  const once = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = request(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          resolve();
        });
      });
      req.on('error', () => resolve());
      req.end();
    });
  const loop = (async () => {
    while (on) {
      const next = performance.now() + 20;
      await once();
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return async () => {
    on = false;
    await loop;
    agent.destroy();
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length };
  };
}

// ---- conversations ------------------------------------------------------------------
const SCRIPT = {
  en: ['Skip', 'Checked, next', 'Checked, next', 'start over'],
  zh: ['跳过', '查过了，下一步', '查过了，下一步', '重新开始'],
};

interface ConversationFigures {
  conversations: number;
  turnsPerS: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

/** N operators, each looping "a unique description, skip, two step answers, start over" at most `pace` turns a second. */
async function conversations(base: string, n: number, durationMs: number): Promise<ConversationFigures> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + durationMs;
  const user = async (u: number) => {
    const lang = u % 2 === 0 ? 'en' : 'zh';
    let tok: { token: string; conversationId: string };
    try {
      tok = (await (await fetch(`${base}/chat/token`, { method: 'POST' })).json()) as typeof tok;
      await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${tok.token}` } });
    } catch {
      errors++;
      return;
    }
    const headers = { authorization: `Bearer ${tok.token}`, 'content-type': 'application/json' };
    // People do not type in lockstep: each starts at a random moment and pauses 75–125 % of the pace interval.
    if (pace > 0) await new Promise((r) => setTimeout(r, Math.random() * (ONE_SECOND / pace)));
    for (let i = 0; Date.now() < deadline; i++) {
      const step = i % (SCRIPT[lang].length + 1);
      const text = step === 0 ? unique(lang) : SCRIPT[lang][step - 1]!;
      const t0 = performance.now();
      const nextAt = t0 + (pace > 0 ? (ONE_SECOND / pace) * (0.75 + Math.random() * 0.5) : 0);
      try {
        const res = await fetch(`${base}/v3/directline/conversations/${tok.conversationId}/activities`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ type: 'message', text, from: { id: `load-user-${u}` } }),
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
  return {
    conversations: n,
    turnsPerS: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors,
  };
}

/** Paced conversations at each step of the ramp, until turn p99 passes 1 s (or errors appear). */
const RAMP = [10, 25, 50, 100, 200, 400, 800];

async function saturation(base: string) {
  const steps: ConversationFigures[] = [];
  for (const n of RAMP) {
    const step = await conversations(base, n, seconds * ONE_SECOND);
    steps.push(step);
    console.log(`  ${n} conversations: ${fmt(step.turnsPerS)} turns/s, p99 ${fmt(step.p99)} ms, ${step.errors} errors`);
    if (step.p99 > ONE_SECOND || step.errors > 0) break;
  }
  const over = steps.find((s) => s.p99 > ONE_SECOND || s.errors > 0);
  const under = [...steps].reverse().find((s) => s.p99 <= ONE_SECOND && s.errors === 0);
  return {
    /** Turns a second the server sustained with p99 under 1 s. */
    sustainedTurnsPerS: under ? round(under.turnsPerS) : null,
    /** Where p99 passed 1 s (null: not reached within the ramp). */
    saturatedAtTurnsPerS: over ? round(over.turnsPerS) : null,
    steps: steps.map((s) => ({ conversations: s.conversations, turnsPerS: round(s.turnsPerS), p99: round(s.p99), errors: s.errors })),
  };
}

// ---- a fresh PostgreSQL database ----------------------------------------------------
async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> } | { skipped: string }> {
  if (url === 'none') return { skipped: '--db none' };
  const name = `bench_load_${process.pid}`;
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (e) {
    await admin.end().catch(() => undefined);
    return { skipped: `PostgreSQL not usable at ${url}: ${(e as Error).message}` };
  }
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return {
    url: fresh.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}

// ---- the run ------------------------------------------------------------------------
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 1 : 0) : '-');
const round = (x: number) => Math.round(x * 10) / 10;
const median = (xs: number[]) => percentile(xs, 50);
const load = () => loadavg().map((x) => round(x));
const table = (head: string[], rows: string[][]) => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
};

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadBefore: load() };
console.log(
  `\nLoad test on ${machine.cores} cores (${machine.cpu}); the load generator shares them with the server. ` +
    `Load average before: ${machine.loadBefore.join(' ')}. Phases of ${seconds} s, ${concurrency} connections; ` +
    `${TEXTS.en.length} English and ${TEXTS.zh.length} Chinese descriptions, each sent with a serial.\n`,
);

const profDir = values.profile ? mkdtempSync(join(tmpdir(), 'load-prof-')) : undefined;
const sqlite = phases.has('suggest') || phases.has('sqlite') ? await startServer({ profileDir: profDir }) : undefined;
const suggestFigures = sqlite && phases.has('suggest') ? await suggestPhases(sqlite) : { skipped: '--phases' };

async function suggestPhases(server: Server) {
  await cannon(server.base, '/api/suggest', 3, () => ({ text: unique('en') })); // warm-up: JIT, encoder threads, lexical cache
  const healthz = await cannon(server.base, '/healthz', seconds);
  const cached = await cannon(server.base, '/api/suggest', seconds, () => ({ text: CACHED_TEXT, limit: 5 }));
  const before = await encoderStats(server.base);
  const enRounds: (Figures & { healthP50: number; healthP99: number })[] = [];
  for (let r = 0; r < rounds; r++) {
    const stop = healthProbe(server.base);
    const f = await cannon(server.base, '/api/suggest', seconds, () => ({ text: unique('en'), limit: 5 }));
    const h = await stop();
    enRounds.push({ ...f, healthP50: h.p50, healthP99: h.p99 });
  }
  const after = await encoderStats(server.base);
  const uniqueEn = {
    rps: round(median(enRounds.map((r) => r.rps))),
    p50: round(median(enRounds.map((r) => r.p50))),
    p99: round(median(enRounds.map((r) => r.p99))),
    errors: enRounds.reduce((n, r) => n + r.errors, 0),
    healthzP50: round(median(enRounds.map((r) => r.healthP50))),
    healthzP99: round(median(enRounds.map((r) => r.healthP99))),
    rounds: enRounds.map((r) => ({ rps: round(r.rps), p99: round(r.p99), healthzP99: round(r.healthP99) })),
  };
  const answered = after.suggestions! - before.suggestions!;
  const share = (n: number) => (answered > 0 ? Math.round((100 * n) / answered) / 100 : null);
  const encoder = {
    threads: after.threads,
    /** Share of unique English suggestions the sentence encoder was run for (the rest the lexical evidence decided, or the budget). */
    embeddedShare: share(after.texts! - before.texts!),
    /** Share answered from the words alone because the encoder would have been late (ENCODER_BUDGET_MS). */
    overBudgetShare: share(after.late! - before.late!),
    budgetMs: process.env.ENCODER_BUDGET_MS === undefined ? 40 : Number(process.env.ENCODER_BUDGET_MS),
    meanBatch: after.batches! > before.batches! ? round((after.texts! - before.texts!) / (after.batches! - before.batches!)) : null,
    refusedBusy: after.refused_busy! - before.refused_busy!,
  };
  const uniqueZh = await cannon(server.base, '/api/suggest', seconds, () => ({ text: unique('zh'), limit: 5 }));

  console.log(
    table(
      ['/api/suggest and /healthz', 'req/s', 'p50 ms', 'p99 ms', 'errors', '/healthz p99 meanwhile'],
      [
        ['bare /healthz (baseline)', fmt(healthz.rps), fmt(healthz.p50), fmt(healthz.p99), String(healthz.errors), ''],
        ['suggest, one repeated English text', fmt(cached.rps), fmt(cached.p50), fmt(cached.p99), String(cached.errors), ''],
        [
          `suggest, unique English (median of ${rounds})`,
          fmt(uniqueEn.rps),
          fmt(uniqueEn.p50),
          fmt(uniqueEn.p99),
          String(uniqueEn.errors),
          `${fmt(uniqueEn.healthzP99)} ms`,
        ],
        ['suggest, unique Chinese', fmt(uniqueZh.rps), fmt(uniqueZh.p50), fmt(uniqueZh.p99), String(uniqueZh.errors), ''],
      ],
    ),
  );
  const pct = (x: number | null) => (x === null ? '-' : String(Math.round(x * 100)));
  console.log(
    `cached / unique English: ${fmt(cached.rps / uniqueEn.rps)}x; rounds ${uniqueEn.rounds.map((r) => `${fmt(r.rps)}/s p99 ${fmt(r.p99)}`).join(', ')}; ` +
      `encoder: ${encoder.threads} threads, ${pct(encoder.embeddedShare)} % of unique English texts embedded, ` +
      `${pct(encoder.overBudgetShare)} % answered lexically over the ${encoder.budgetMs} ms budget, ` +
      `mean batch ${encoder.meanBatch ?? '-'}, ${encoder.refusedBusy} refused busy\n`,
  );
  return {
    healthz: { rps: round(healthz.rps), p50: healthz.p50, p99: healthz.p99 },
    suggestCachedEn: { rps: round(cached.rps), p50: cached.p50, p99: cached.p99, errors: cached.errors },
    suggestUniqueEn: uniqueEn,
    cachedToUniqueRatio: round(cached.rps / uniqueEn.rps),
    suggestUniqueZh: { rps: round(uniqueZh.rps), p50: uniqueZh.p50, p99: uniqueZh.p99, errors: uniqueZh.errors },
    encoder,
  };
}

async function chatPhases(server: Server, label: string) {
  const conv = await conversations(server.base, conversationCount, 2 * seconds * ONE_SECOND);
  console.log(
    `${label}: ${conversationCount} conversations at ${pace} turns/s each, unique descriptions: ${fmt(conv.turnsPerS)} turns/s, ` +
      `p50 ${fmt(conv.p50)} / p95 ${fmt(conv.p95)} / p99 ${fmt(conv.p99)} ms, ${conv.errors} errors`,
  );
  console.log(`${label}: ramping up until turn p99 passes 1 s`);
  const sat = await saturation(server.base);
  console.log(
    `${label}: sustained ${sat.sustainedTurnsPerS ?? '-'} turns/s with p99 < 1 s; ` +
      `p99 passed 1 s at ${sat.saturatedAtTurnsPerS ?? `(not reached up to ${sat.steps.at(-1)?.turnsPerS} turns/s)`} turns/s; peak ${server.peakMb()} MB\n`,
  );
  return {
    conversations: { ...conv, turnsPerS: round(conv.turnsPerS), p50: round(conv.p50), p95: round(conv.p95), p99: round(conv.p99) },
    saturation: sat,
    peakMb: server.peakMb(),
  };
}

const onSqlite = sqlite && phases.has('sqlite') ? await chatPhases(sqlite, 'SQLite') : { skipped: '--phases' };
if (sqlite) {
  await sqlite.stop();
  if (profDir) printProfile(profDir);
}

let onPostgres: Awaited<ReturnType<typeof chatPhases>> | { skipped: string } = { skipped: '--phases' };
if (phases.has('postgres')) {
  const pgDb = await freshDatabase(values.db!);
  if ('skipped' in pgDb) {
    onPostgres = pgDb;
    console.log(`PostgreSQL: skipped (${pgDb.skipped})\n`);
  } else {
    const server = await startServer({ databaseUrl: pgDb.url });
    try {
      onPostgres = await chatPhases(server, 'PostgreSQL');
    } finally {
      await server.stop();
      await pgDb.drop();
    }
  }
}

const figures = {
  machine: { ...machine, loadAfter: load() },
  seconds,
  concurrency,
  ...suggestFigures,
  sqlite: onSqlite,
  postgres: onPostgres,
};
console.log(JSON.stringify(figures));

/** Self time per function from the server's CPU profile: where the time goes. */
function printProfile(dir: string) {
  const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  if (!file) return console.log('(no CPU profile written)');
  const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  prof.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const where = f.url ? `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/dist\//, '')}:${f.lineNumber + 1}` : '(native)';
    const key = `${f.functionName || '(anonymous)'}  ${where}`;
    self.set(key, (self.get(key) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log('Server main-thread CPU by function (self time, top 15):');
  for (const [k, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  rmSync(dir, { recursive: true, force: true });
  console.log('');
}
