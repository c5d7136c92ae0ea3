import type { SuggestBody } from '../../api/requests.js';
import type { SuggestResponse } from '../../api/responses.js';
import { ApiError } from '../shared/api.js';

/**
 * Suggestions as the agent types: debounced; a newer search aborts the one in flight
 * (AbortController), so an older answer can never overwrite a newer one; 429 waits
 * for Retry-After and 503 / a lost connection try the same words again by themselves.
 * No DOM: unit-tested in Node against the real server.
 */

export interface Shown {
  text: string;
  productLine: string;
  response: SuggestResponse;
}

export type SearchProblem = { kind: 'issues'; text: string } | { kind: 'error'; error: ApiError };

type Timer = ReturnType<typeof setTimeout> | undefined;

export class SuggestSearch {
  shown: Shown | null = null;
  inFlight = false;
  problem: SearchProblem | null = null;
  /** Epoch ms until which the server asked us to wait (429). */
  rateLimitedUntil = 0;
  private debounce: Timer;
  private retry: Timer;
  private controller: AbortController | null = null;
  private latest = { text: '', productLine: '' };

  constructor(
    private readonly suggest: (body: SuggestBody, signal: AbortSignal) => Promise<SuggestResponse>,
    /** Called after every change of state (the page renders). */
    private readonly changed: () => void,
    /** An error the page handles itself (401: sign out); true when handled. */
    private readonly handled: (e: ApiError) => boolean,
    private readonly opts = { limit: 5, debounceMs: 300 },
  ) {}

  /** Waiting for the debounce, an answer or a retry. */
  get pending(): boolean {
    return this.debounce !== undefined || this.inFlight || this.retry !== undefined;
  }

  get retrying(): boolean {
    return this.retry !== undefined;
  }

  /** Whether what is shown answers exactly these words and filter. */
  shows(text: string, productLine: string): boolean {
    return this.shown !== null && this.shown.text === text && this.shown.productLine === productLine;
  }

  /** The words changed: search once typing pauses (at once when they were cleared). */
  type(text: string, productLine: string): void {
    if (!text.trim()) return void this.run(text, productLine);
    this.clearTimers();
    this.latest = { text, productLine };
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.run(this.latest.text, this.latest.productLine);
    }, this.opts.debounceMs);
  }

  /** Search now (a filter change, ↓ pressed, a retry). */
  async run(text: string, productLine: string): Promise<void> {
    this.clearTimers();
    this.controller?.abort();
    this.controller = null;
    this.latest = { text, productLine };
    if (!text.trim()) {
      this.inFlight = false;
      this.problem = null;
      this.shown = null;
      return this.changed();
    }
    const wait = this.rateLimitedUntil - Date.now();
    if (wait > 0) return this.retryIn(wait);
    const controller = (this.controller = new AbortController());
    this.inFlight = true;
    this.changed();
    const body: SuggestBody = { text, limit: this.opts.limit };
    if (productLine) body.productLine = productLine as SuggestBody['productLine'];
    try {
      const response = await this.suggest(body, controller.signal);
      if (controller.signal.aborted) return;
      this.problem = null;
      this.shown = { text, productLine, response };
    } catch (err) {
      if (controller.signal.aborted) return;
      const e = ApiError.from(err);
      this.problem = null;
      if (e.kind === 'rate_limited') {
        this.rateLimitedUntil = Date.now() + (e.retryAfter && e.retryAfter > 0 ? e.retryAfter : 2) * 1000;
        this.inFlight = false;
        return this.retryIn(this.rateLimitedUntil - Date.now());
      }
      if (e.kind === 'invalid_request') {
        // e.g. more text than the engine takes: said under the text area
        this.problem = { kind: 'issues', text: e.issues.map((i) => i.message).join('; ') || e.message };
      } else if (!this.handled(e)) {
        this.problem = { kind: 'error', error: e };
        // The index is still loading or the connection dropped: the same words again, later.
        if (e.kind === 'store_unavailable' || e.kind === 'network') {
          this.inFlight = false;
          return this.retryIn((e.retryAfter || 5) * 1000);
        }
      }
    } finally {
      if (this.controller === controller) {
        this.controller = null;
        this.inFlight = false;
      }
    }
    this.changed();
  }

  /** A new call or a sign-out: nothing pending, nothing shown. */
  reset(): void {
    this.clearTimers();
    this.controller?.abort();
    this.controller = null;
    this.inFlight = false;
    this.problem = null;
    this.shown = null;
  }

  private retryIn(ms: number): void {
    this.clearTimers();
    this.retry = setTimeout(
      () => {
        this.retry = undefined;
        void this.run(this.latest.text, this.latest.productLine);
      },
      Math.max(50, ms),
    );
    this.changed();
  }

  private clearTimers(): void {
    clearTimeout(this.debounce);
    clearTimeout(this.retry);
    this.debounce = undefined;
    this.retry = undefined;
  }
}
