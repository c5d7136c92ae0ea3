import cliProgress from 'cli-progress';
import type { ProgressReporter } from './dense-channel.js';

/** A terminal progress bar for index builds; silent when stderr is not a terminal. */
export function progressBar(label: string): ProgressReporter & { stop(): void } {
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} phrasings  {eta}s left`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const report = (done: number, total: number) => {
    if (!started) {
      bar.start(total, 0);
      started = true;
    }
    bar.update(done);
  };
  return Object.assign(report, { stop: () => started && bar.stop() });
}
