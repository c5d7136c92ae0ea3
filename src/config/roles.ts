/**
 * The staff roles an API key can carry. Configuration validates keys against this list and
 * tickets decide what each role may do, so it lives at the foundation both stand on.
 */
export const ROLES = ['agent', 'dispatcher', 'technician', 'admin'] as const;
/** A staff role, or the bot acting on its own conversations. */
export type Role = (typeof ROLES)[number] | 'bot';
