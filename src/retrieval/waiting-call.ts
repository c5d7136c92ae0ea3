/**
 * A call waiting on a worker thread (an encoder batch, a retrieval ask): answered once,
 * by whichever comes first (the thread, an abort, a deadline, a crash, close).
 */
export interface WaitingCall {
  resolve(value: never): void;
  reject(err: unknown): void;
  settled: boolean;
  /** How many threads died while serving it (a call that kills two is refused). */
  crashes: number;
  /** Removes its abort listener and timers. */
  detach(): void;
}

/** Runs fn (resolve or reject) unless the call was already answered. */
export function settle(call: WaitingCall, fn: () => void): void {
  if (call.settled) return;
  call.settled = true;
  call.detach();
  fn();
}
