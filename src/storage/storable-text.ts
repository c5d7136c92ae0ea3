import { z } from 'zod';

/** U+0000: PostgreSQL refuses it in text; SQLite would keep it. Refused on both, at the boundary. */
const NO_NUL = /^[^\u0000]*$/;
export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';

/**
 * A string both stores keep alike: the one zod building block for every text that comes
 * from outside and may reach the database (bodies, path parameters, query strings), so a
 * NUL is a 400 naming the field instead of a 500 on PostgreSQL only. Chain as usual:
 * `storableText().trim().min(1).max(200)`.
 */
export const storableText = () => z.string().regex(NO_NUL, NUL_MESSAGE);
