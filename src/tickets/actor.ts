import type { Role } from '../config/roles.js';

/** Who is acting: resolved from an API key (or the bot itself). */
export interface Actor {
  role: Role;
  /** For technicians: the id tickets are assigned to. */
  technicianId?: string;
  /** What the audit history records: a role and a key fingerprint, never the secret. */
  label: string;
  /** Who owns the caller's idempotency keys: one id per API key (from its digest); the bot scopes its own keys by conversation. */
  scope?: string;
}
