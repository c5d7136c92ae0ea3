import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, dropSchema, TEST_DATABASE_URL } from './databases.js';
import { killHard, spawnServer, type ServerProcess } from './process.js';

/** Two server processes on one PostgreSQL schema (set once beforeAll has run). */
export interface TwoInstances {
  readonly a: ServerProcess;
  readonly b: ServerProcess;
}

/**
 * Starts two server processes (`main.js serve`, as `npm start` does) on one fresh
 * PostgreSQL schema, each with its own data folder (`<name>-a-…`, `<name>-b-…`), before
 * the describe block's tests, and kills them after (the schema dropped, the folders
 * removed). `env` is added to both processes' environments; `onReady` gets the time from
 * spawn until both answer /readyz.
 */
export function twoInstancesOnOnePostgres(name: string, env: Record<string, string>, onReady?: (ms: number) => void): TwoInstances {
  let schema: string | undefined;
  let dirs: string[] = [];
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  beforeAll(async () => {
    schema = await createSchema();
    const envOf = (dir: string) => ({
      DATA_DIR: dir,
      ...env,
      DATABASE_URL: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    });
    dirs = [mkdtempSync(join(tmpdir(), `${name}-a-`)), mkdtempSync(join(tmpdir(), `${name}-b-`))];
    const started = performance.now();
    [a, b] = await Promise.all([spawnServer(envOf(dirs[0]!)), spawnServer(envOf(dirs[1]!))]);
    onReady?.(Math.round(performance.now() - started));
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a, b].filter((p) => p !== undefined).map(killHard));
    if (schema) await dropSchema(schema);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return {
    get a() {
      if (!a) throw new Error('instance A is not started (read it inside a test)');
      return a;
    },
    get b() {
      if (!b) throw new Error('instance B is not started (read it inside a test)');
      return b;
    },
  };
}
