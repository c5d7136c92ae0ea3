import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import type { Database } from '../storage/database.js';

/**
 * Another turn (on this instance or another) saved the conversation after this turn read
 * it: this turn's changes were not written. The bot runs the turn again on fresh state.
 */
export class StateConflictError extends Error {
  override name = 'StateConflictError';
  constructor(readonly key: string) {
    super('the conversation moved on in another turn; this turn’s changes were not saved');
  }
}

/** The version a state object was read at; `null`: the key did not exist when it was read. */
type ReadVersion = string | null;

/**
 * botbuilder Storage over the assistant's own database, so conversation state survives a
 * restart and is shared by every instance behind a load balancer.
 *
 * Optimistic concurrency that actually works with BotState: BotState.saveChanges always
 * writes with eTag `*` (it overwrites the eTag it read), so the eTag on the item cannot be
 * trusted. Instead the storage remembers, for every object it hands out from `read`, the
 * version it read — including "did not exist" (an empty object is handed out for a
 * missing key, exactly what BotState would make itself) — and `write` of such an object
 * is conditional on that version: a stale one raises StateConflictError and nothing is
 * written. Objects the storage did not hand out keep the Storage contract: `*` or no eTag
 * writes unconditionally, any other eTag conditionally.
 */
export class DatabaseStorage implements Storage {
  private readonly versions = new WeakMap<object, ReadVersion>();

  constructor(private readonly db: Database) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const marks = keys.map((_, i) => `$${i + 1}`).join(', ');
    const rows = await this.db.query<{ key: string; etag: string; doc: string }>(
      `SELECT key, etag, doc FROM bot_state WHERE key IN (${marks})`,
      keys,
    );
    const items: StoreItems = {};
    for (const r of rows) {
      const item = { ...JSON.parse(r.doc), eTag: r.etag };
      this.versions.set(item, r.etag);
      items[r.key] = item;
    }
    for (const key of keys) {
      if (items[key]) continue;
      const empty = {};
      this.versions.set(empty, null);
      items[key] = empty;
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const writes = Object.entries(changes).map(([key, item]) => {
      const { eTag, ...doc } = item as { eTag?: string };
      const read = this.versions.get(item as object);
      const expected: ReadVersion | '*' = read !== undefined ? read : !eTag || eTag === '*' ? '*' : eTag;
      return { key, item: item as object, expected, etag: randomUUID(), json: JSON.stringify(doc), now: new Date().toISOString() };
    });
    const save = async (run: (sql: string, params: unknown[]) => Promise<number>, w: (typeof writes)[number]) => {
      const { key, expected, etag, json, now } = w;
      let changed: number;
      if (expected === '*') {
        await run(
          `INSERT INTO bot_state (key, etag, doc, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET etag = $2, doc = $3, updated_at = $4`,
          [key, etag, json, now],
        );
        changed = 1;
      } else if (expected === null) {
        changed = await run(`INSERT INTO bot_state (key, etag, doc, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING`, [
          key,
          etag,
          json,
          now,
        ]);
      } else {
        changed = await run(`UPDATE bot_state SET etag = $1, doc = $2, updated_at = $3 WHERE key = $4 AND etag = $5`, [
          etag,
          json,
          now,
          key,
          expected,
        ]);
      }
      if (changed !== 1) throw new StateConflictError(key);
    };
    // One object (a turn's conversation state): its conditional statement alone is atomic,
    // one round trip; several: all or none, in one transaction.
    if (writes.length === 1) await save((sql, params) => this.db.run(sql, params, { durable: false }), writes[0]!);
    else if (writes.length > 1)
      await this.db.transaction(
        async (tx) => {
          for (const w of writes) await save((sql, params) => tx.run(sql, params), w);
        },
        { durable: false },
      );
    // A second save in the same turn continues from what this one wrote.
    for (const { item, etag } of writes) {
      this.versions.set(item, etag);
      (item as { eTag?: string }).eTag = etag;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await this.db.run(`DELETE FROM bot_state WHERE key = $1`, [key]);
  }
}
