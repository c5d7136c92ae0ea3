import type { Logger } from 'pino';

let installed: Logger | undefined;
let counts = { unhandledRejections: 0, uncaughtExceptions: 0 };

/**
 * Last line of defence: a promise nobody awaited, or an 'error' event nobody listened to,
 * is logged and the server keeps serving. Every such report is a bug to fix at its source
 * (the counts are in /metrics); exiting instead would hand anyone who finds one a way to
 * stop the service, over and over.
 */
export function installProcessGuards(log: Logger): void {
  if (installed) return;
  installed = log;
  process.on('unhandledRejection', (reason) => {
    counts.unhandledRejections++;
    installed?.error({ err: reason }, 'unhandled promise rejection; still serving');
  });
  process.on('uncaughtException', (err) => {
    counts.uncaughtExceptions++;
    installed?.error({ err }, 'uncaught exception; still serving');
  });
}

export function processFaults(): Readonly<typeof counts> {
  return counts;
}

/** For tests: forget the counts. */
export function resetProcessFaults(): void {
  counts = { unhandledRejections: 0, uncaughtExceptions: 0 };
}
