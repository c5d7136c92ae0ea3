import { randomUUID } from 'node:crypto';
import type { Database } from '../storage/database.js';
import { gapTextForStorage } from './gap-text.js';

/**
 * Knowledge-gap items: operators' words the manual did not cover well. They come from
 * close-outs whose real fault differs from the match or is not in the manual, and from
 * descriptions the engine abstained on. Reviewed with `kb gaps`.
 */
export const GAP_SOURCES = ['close-out-mismatch', 'close-out-not-in-manual', 'abstained'] as const;
export type GapSource = (typeof GAP_SOURCES)[number];
export type GapStatus = 'open' | 'accepted' | 'rejected';

export interface KnowledgeGap {
  id: string;
  createdAt: string;
  source: GapSource;
  text: string;
  language: string;
  productLine: string | null;
  matchedFaultId: string | null;
  actualFaultId: string | null;
  ticketId: string | null;
  status: GapStatus;
  resolution: string | null;
}

interface Row {
  id: string;
  created_at: string;
  source: GapSource;
  text: string;
  language: string;
  product_line: string | null;
  matched_fault_id: string | null;
  actual_fault_id: string | null;
  ticket_id: string | null;
  status: GapStatus;
  resolution: string | null;
}

const fromRow = (r: Row): KnowledgeGap => ({
  id: r.id,
  createdAt: r.created_at,
  source: r.source,
  text: r.text,
  language: r.language,
  productLine: r.product_line,
  matchedFaultId: r.matched_fault_id,
  actualFaultId: r.actual_fault_id,
  ticketId: r.ticket_id,
  status: r.status,
  resolution: r.resolution,
});

export class GapStore {
  constructor(private readonly db: Database) {}

  /** Keeps an item; its text is capped and cleaned here, whoever sends it (the bot, staff, a close-out). */
  async record(gap: Omit<KnowledgeGap, 'id' | 'createdAt' | 'status' | 'resolution'>): Promise<KnowledgeGap> {
    const item: KnowledgeGap = {
      ...gap,
      text: gapTextForStorage(gap.text),
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      status: 'open',
      resolution: null,
    };
    await this.db.run(
      `INSERT INTO knowledge_gaps (id, created_at, source, text, language, product_line, matched_fault_id, actual_fault_id, ticket_id, status, resolution)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        item.id,
        item.createdAt,
        item.source,
        item.text,
        item.language,
        item.productLine,
        item.matchedFaultId,
        item.actualFaultId,
        item.ticketId,
        item.status,
        null,
      ],
    );
    return item;
  }

  async list(status: GapStatus | 'all' = 'open', limit = 200): Promise<KnowledgeGap[]> {
    const rows =
      status === 'all'
        ? await this.db.query<Row>(`SELECT * FROM knowledge_gaps ORDER BY created_at DESC LIMIT $1`, [limit])
        : await this.db.query<Row>(`SELECT * FROM knowledge_gaps WHERE status = $1 ORDER BY created_at DESC LIMIT $2`, [status, limit]);
    return rows.map(fromRow);
  }

  /** Finds an item by its full id or an unambiguous prefix (as the CLI prints them short). */
  async find(idOrPrefix: string): Promise<KnowledgeGap | undefined> {
    const rows = await this.db.query<Row>(`SELECT * FROM knowledge_gaps WHERE id LIKE $1 LIMIT 2`, [`${idOrPrefix}%`]);
    return rows.length === 1 ? fromRow(rows[0]!) : undefined;
  }

  async resolve(id: string, status: Exclude<GapStatus, 'open'>, resolution: string, at: Date = new Date()): Promise<boolean> {
    return (
      (await this.db.run(`UPDATE knowledge_gaps SET status = $1, resolution = $2, resolved_at = $4 WHERE id = $3 AND status = 'open'`, [
        status,
        resolution,
        id,
        at.toISOString(),
      ])) === 1
    );
  }
}
