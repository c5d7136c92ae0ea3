import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import type { Database } from '../storage/database.js';

/**
 * botbuilder Storage over the assistant's own database, so conversation state
 * survives a restart and is shared by every instance behind a load balancer.
 * eTags give optimistic concurrency, as the Storage contract asks: a write whose
 * eTag is stale is refused instead of overwriting a newer turn's state.
 */
export class DatabaseStorage implements Storage {
  constructor(private readonly db: Database) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const marks = keys.map((_, i) => `$${i + 1}`).join(', ');
    const rows = await this.db.query<{ key: string; etag: string; doc: string }>(`SELECT key, etag, doc FROM bot_state WHERE key IN (${marks})`, keys);
    const items: StoreItems = {};
    for (const r of rows) items[r.key] = { ...JSON.parse(r.doc), eTag: r.etag };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const [key, item] of Object.entries(changes)) {
        const { eTag, ...doc } = item as { eTag?: string };
        const etag = randomUUID();
        const now = new Date().toISOString();
        if (!eTag || eTag === '*') {
          await tx.run(
            `INSERT INTO bot_state (key, etag, doc, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET etag = $2, doc = $3, updated_at = $4`,
            [key, etag, JSON.stringify(doc), now],
          );
        } else {
          const changed = await tx.run(`UPDATE bot_state SET etag = $1, doc = $2, updated_at = $3 WHERE key = $4 AND etag = $5`, [
            etag,
            JSON.stringify(doc),
            now,
            key,
            eTag,
          ]);
          if (changed !== 1) throw new Error(`Storage: eTag conflict for ${key}; the conversation moved on in another turn`);
        }
      }
    }, { durable: false });
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await this.db.run(`DELETE FROM bot_state WHERE key = $1`, [key]);
  }
}
