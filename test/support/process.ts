import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './paths.js';

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  /** Everything the process logged, for assertions about logs. */
  output(): string;
}

/** Starts `main.js serve` as its own process (as `npm start` does) and waits until /readyz is 200. */
export async function spawnServer(env: Record<string, string>, timeoutMs = 120_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', EMBEDDER: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const deadline = Date.now() + timeoutMs;
  let base: string | undefined;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log}`);
    const port = /"port":(\d+)/.exec(log)?.[1];
    if (port) {
      base = `http://127.0.0.1:${port}`;
      const ok = await fetch(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return { child, base, output: () => log };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server not healthy within ${timeoutMs} ms:\n${log}`);
}

export function killHard(p: ServerProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}
