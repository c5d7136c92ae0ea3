import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Request } from 'restify';
import type { ApiKey } from '../config/config.js';
import type { Actor } from '../tickets/actor.js';
import { ForbiddenError } from '../errors/domain-errors.js';
import { UnauthorizedError } from './http-errors.js';

const digest = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Compares secrets in constant time (over their digests, so the length does not leak either). */
export function safeEqual(presented: string, secret: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

/**
 * Resolves `Authorization: Bearer <key>` to an actor. Keys are held only as SHA-256
 * digests and looked up by the presented key's digest, so what a lookup's timing could
 * reveal is about a digest, which says nothing about any key.
 */
export class ApiKeyAuth {
  private readonly byHash = new Map<string, Actor>();

  constructor(keys: readonly ApiKey[]) {
    for (const k of keys) {
      const hash = digest(k.secret);
      const label = `${k.role}${k.technicianId ? `:${k.technicianId}` : ''}#${hash.slice(0, 6)}`;
      // The scope is derived from the digest, not the digest itself, so what the tickets table keeps says nothing about the key.
      const scope = digest(`idempotency-scope:${hash}`).slice(0, 32);
      this.byHash.set(hash, { role: k.role, technicianId: k.technicianId, label, scope });
    }
  }

  actor(req: Request, allowed?: readonly Actor['role'][]): Actor {
    const header = req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedError('send your API key as "Authorization: Bearer <key>"');
    return this.actorOfKey(match[1]!, allowed);
  }

  /** The same check for a key that did not come in a header (the panel's WebSocket sends it as its first message). */
  actorOfKey(key: string, allowed?: readonly Actor['role'][]): Actor {
    const actor = this.byHash.get(digest(key));
    if (!actor) throw new UnauthorizedError('unknown API key');
    if (allowed && !allowed.includes(actor.role)) {
      throw new ForbiddenError(`this needs one of the roles ${allowed.join(', ')}; your key is ${actor.role}`);
    }
    return actor;
  }
}

/**
 * Without API_KEYS the server still starts on its embedded defaults: it creates one
 * key per role in DATA_DIR/api-keys.json (readable by the owner only) and reuses them.
 * The log names the file, never a key.
 */
export function defaultApiKeys(dataDir: string, log: Logger): ApiKey[] {
  const file = join(dataDir, 'api-keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ApiKey[];
  mkdirSync(dataDir, { recursive: true });
  const secret = () => randomBytes(24).toString('base64url');
  const keys: ApiKey[] = [
    { secret: secret(), role: 'admin' },
    { secret: secret(), role: 'dispatcher' },
    { secret: secret(), role: 'agent' },
    { secret: secret(), role: 'technician', technicianId: 'T-01' },
  ];
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  log.warn({ file }, 'API_KEYS not set: generated local keys, one per role; set API_KEYS in production');
  return keys;
}
