import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the calling thread's priority (not the process's) by `by` nice steps from where
 * the process was started: on Linux a thread has its own nice value, so a worker thread
 * doing batch work yields the CPU to the main thread's HTTP work and health checks when
 * the cores are short. Elsewhere, or when not allowed, it stays at the process's priority.
 */
export function lowerThreadPriority(by: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + by));
  } catch {
    // not Linux, or not allowed: normal priority
  }
}
