import type { ApiError, ErrorKind } from './api.js';
import type { Translator } from './i18n.js';
import type { COMMON } from './text.js';

/**
 * What an API error says to a person, in the page's language: one mapping for every
 * page. A page passes its own words for the kinds it handles differently (the board
 * retries by itself, the panel's form explains a reused key). Pure.
 */
export function errorMessage(t: Translator<typeof COMMON.en>, e: ApiError, own: Partial<Record<ErrorKind, string>> = {}): string {
  const vars = { error: e.message, status: e.status, s: e.retryAfter ?? 5 };
  const mine = own[e.kind];
  if (mine !== undefined) return mine;
  const withId = (text: string) => (e.errorId ? `${text} ${t('errorId', { id: e.errorId })}` : text);
  switch (e.kind) {
    case 'network':
      return t('errNetwork');
    case 'unauthorized':
      return t('err401', vars);
    case 'forbidden':
      return t('err403', vars);
    case 'not_found':
      return t('err404', vars);
    case 'rate_limited':
      return t('err429', vars);
    case 'store_unavailable':
      return t('err503', vars);
    case 'invalid_request':
      return e.issues.length ? e.issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; ') : e.message;
    default:
      return withId(t('errOther', vars));
  }
}
