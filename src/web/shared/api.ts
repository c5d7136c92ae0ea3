import type { GapReportBody, PhoneOutcomeBody, SuggestBody } from '../../api/requests.js';
import type {
  ConversationMedia,
  ErrorBody,
  FaultEntry,
  FaultsResponse,
  MeResponse,
  PartsResponse,
  SuggestResponse,
  TicketList,
  TicketView,
} from '../../api/responses.js';
import type { z } from 'zod';
import type { assignSchema, closeOutSchema, createTicketSchema, statusChangeSchema } from '../../tickets/model.js';

/**
 * The staff pages' one way to the server: typed calls (the types come from the
 * server's contract, src/api/), one error type, one reading of the error envelope
 * `{code, error, issues?, errorId?}`. Pure (fetch only): the same module runs in Node
 * for its unit tests.
 */

/** What went wrong, as a page acts on it: the server's code, or what the transport says. */
export type ErrorKind =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'illegal_transition'
  | 'version_conflict'
  | 'idempotency_key_reused'
  | 'rate_limited'
  | 'store_unavailable'
  | 'network'
  | 'aborted'
  | 'other';

const KINDS: ReadonlySet<string> = new Set<ErrorKind>([
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'illegal_transition',
  'version_conflict',
  'idempotency_key_reused',
  'rate_limited',
  'store_unavailable',
]);

/** For an answer whose code is not one of ours (a proxy's page, an old server): judged by the status. */
const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'version_conflict',
  413: 'invalid_request',
  415: 'invalid_request',
  422: 'idempotency_key_reused',
  429: 'rate_limited',
  503: 'store_unavailable',
};

export type Issue = NonNullable<ErrorBody['issues']>[number];

export class ApiError extends Error {
  override name = 'ApiError';
  readonly kind: ErrorKind;
  constructor(
    /** HTTP status; 0 when there was no answer. */
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly issues: Issue[] = [],
    /** Seconds from Retry-After, when the server sent it. */
    readonly retryAfter: number | null = null,
    readonly errorId: string | null = null,
    kind?: ErrorKind,
  ) {
    super(message);
    this.kind = kind ?? (code && KINDS.has(code) ? (code as ErrorKind) : (KIND_BY_STATUS[status] ?? 'other'));
  }

  static from(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    return new ApiError(-1, err instanceof Error ? err.message : String(err));
  }
}

/** Reads an error answer: the envelope when it is one, the status otherwise. */
export function errorFromAnswer(status: number, body: unknown, retryAfterHeader: string | null): ApiError {
  const b = (body && typeof body === 'object' ? body : {}) as Partial<Record<keyof ErrorBody, unknown>> & { message?: unknown };
  const message = typeof b.error === 'string' ? b.error : typeof b.message === 'string' ? b.message : `HTTP ${status}`;
  const issues = Array.isArray(b.issues)
    ? b.issues
        .filter((i): i is Issue => !!i && typeof i === 'object' && typeof (i as Issue).message === 'string')
        .map((i) => ({ field: String(i.field ?? ''), message: i.message }))
    : [];
  const retry = Number.parseInt(retryAfterHeader ?? '', 10);
  return new ApiError(
    status,
    message,
    typeof b.code === 'string' ? b.code : null,
    issues,
    Number.isFinite(retry) && retry >= 0 ? retry : null,
    typeof b.errorId === 'string' ? b.errorId : null,
  );
}

interface Call {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export type CreateTicketBody = z.input<typeof createTicketSchema>;
export type StatusChangeBody = z.input<typeof statusChangeSchema>;
export type AssignBody = z.input<typeof assignSchema>;
export type CloseOutBody = z.input<typeof closeOutSchema>;

/** The routes the pages use, typed by the contract. */
export class Api {
  constructor(
    /** The API key to send (read at each call, so a sign-out takes effect at once). */
    private readonly key: () => string | null,
    private readonly base = '',
  ) {}

  async request<T>(path: string, { method = 'GET', body, headers = {}, signal }: Call = {}): Promise<T> {
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    const key = this.key();
    if (key) h.Authorization = `Bearer ${key}`;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    let res: Response;
    try {
      // `cache` is a browser option (Node's fetch ignores it): no stale answers from the HTTP cache.
      const init = {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
        signal,
      };
      res = await fetch(`${this.base}${path}`, init as RequestInit);
    } catch (err) {
      if (signal?.aborted) throw new ApiError(0, 'aborted', null, [], null, null, 'aborted');
      throw new ApiError(0, err instanceof Error ? err.message : 'network error', null, [], null, null, 'network');
    }
    const text = await res.text().catch(() => '');
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok) throw errorFromAnswer(res.status, data, res.headers.get('Retry-After'));
    return data as T;
  }

  me = () => this.request<MeResponse>('/api/me');
  faults = () => this.request<FaultsResponse>('/api/faults');
  fault = (id: string) => this.request<FaultEntry>(`/api/faults/${encodeURIComponent(id)}`);
  suggest = (body: SuggestBody, signal?: AbortSignal) => this.request<SuggestResponse>('/api/suggest', { method: 'POST', body, signal });
  reportGap = (body: GapReportBody) => this.request<{ id: string }>('/api/knowledge-gaps', { method: 'POST', body });
  recordOutcome = (body: PhoneOutcomeBody) => this.request<{ id: string }>('/api/outcomes', { method: 'POST', body });

  tickets = (query: URLSearchParams) => this.request<TicketList>(`/api/tickets?${query.toString()}`);
  ticket = (id: string) => this.request<TicketView>(ticketPath(id));
  createTicket = (body: CreateTicketBody, idempotencyKey: string) =>
    this.request<TicketView>('/api/tickets', { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey } });
  changeStatus = (id: string, body: StatusChangeBody) => this.request<TicketView>(ticketPath(id, 'status'), { method: 'POST', body });
  assign = (id: string, body: AssignBody) => this.request<TicketView>(ticketPath(id, 'assign'), { method: 'POST', body });
  closeOut = (id: string, body: CloseOutBody) => this.request<TicketView>(ticketPath(id, 'close-out'), { method: 'POST', body });
  parts = (productLine: string) => this.request<PartsResponse>(`/api/parts?productLine=${encodeURIComponent(productLine)}`);

  /** A photo or video from the site, sent as it is (the server types it from its bytes). */
  async addMedia(id: string, file: Blob, name: string): Promise<TicketView> {
    return this.send<TicketView>(
      `${ticketPath(id, 'media')}?name=${encodeURIComponent(name.slice(0, 200))}`,
      { method: 'POST', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } },
      'json',
    );
  }

  /** A ticket's photo (or its thumbnail) as a Blob, with the key: an <img> cannot send one, so pages show it by blob: URL. */
  mediaBlob(ticketId: string, mediaId: string, thumbnail: boolean): Promise<Blob> {
    return this.send<Blob>(`${ticketPath(ticketId, 'media')}/${encodeURIComponent(mediaId)}${thumbnail ? '/thumbnail' : ''}`, {}, 'blob');
  }

  /** The photos and videos of a handed-over conversation (the live desk). */
  handoffMedia = (handoffId: string) => this.request<ConversationMedia>(`/api/handoffs/${encodeURIComponent(handoffId)}/media`);

  /** One of them (or its thumbnail) as a Blob, with the key. */
  handoffMediaBlob(handoffId: string, mediaId: string, thumbnail: boolean): Promise<Blob> {
    return this.send<Blob>(
      `/api/handoffs/${encodeURIComponent(handoffId)}/media/${encodeURIComponent(mediaId)}${thumbnail ? '/thumbnail' : ''}`,
      {},
      'blob',
    );
  }

  private async send<T>(
    path: string,
    init: { method?: string; body?: Blob; headers?: Record<string, string> },
    as: 'json' | 'blob',
  ): Promise<T> {
    const key = this.key();
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method: init.method ?? 'GET',
        body: init.body,
        headers: { ...(init.headers ?? {}), ...(key ? { Authorization: `Bearer ${key}` } : {}) },
        cache: 'no-store',
        credentials: 'omit',
      } as RequestInit);
    } catch (err) {
      throw new ApiError(0, err instanceof Error ? err.message : 'network error', null, [], null, null, 'network');
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let data: unknown = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch {
        data = null;
      }
      throw errorFromAnswer(res.status, data, res.headers.get('Retry-After'));
    }
    return (as === 'blob' ? await res.blob() : await res.json()) as T;
  }
}

const ticketPath = (id: string, action = '') => `/api/tickets/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;

/** A random id for Idempotency-Key; getRandomValues works on plain http too (randomUUID does not). */
export function randomKey(prefix: string): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
