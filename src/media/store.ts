import { createHash } from 'node:crypto';
import type { Database } from '../storage/database.js';
import type { Inspected, MediaType } from './inspect.js';

export interface MediaRef {
  /** The SHA-256 of the bytes (hex): the same photo sent twice is stored once. */
  id: string;
  contentType: MediaType;
  name: string;
  size: number;
  hasThumbnail: boolean;
  gps?: { lat: number; lon: number };
  at: string;
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Media stored content-addressed in the shared database (so every instance can serve
 * it) and linked to the conversation it came through; tickets list the refs they carry.
 */
export class MediaStore {
  constructor(private readonly db: Database) {}

  /** Stores the bytes once and links them to the conversation; returns the ref. */
  async put(conversationId: string, bytes: Buffer, info: Inspected, name: string, at = new Date().toISOString()): Promise<MediaRef> {
    const id = sha256(bytes);
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO media (id, content_type, size, bytes, thumbnail, gps_lat, gps_lon, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO NOTHING`,
        [id, info.contentType, bytes.length, bytes, info.thumbnail ?? null, info.gps?.lat ?? null, info.gps?.lon ?? null, at],
      );
      await tx.run(
        `INSERT INTO media_links (conversation_id, media_id, name, linked_at) VALUES ($1, $2, $3, $4) ON CONFLICT (conversation_id, media_id) DO NOTHING`,
        [conversationId, id, name, at],
      );
    });
    return { id, contentType: info.contentType, name, size: bytes.length, hasThumbnail: info.thumbnail !== undefined, gps: info.gps, at };
  }

  /** Media linked to a conversation (a Direct Line conversation, or `ticket:<id>` for staff uploads), oldest first. */
  async linked(conversationId: string): Promise<MediaRef[]> {
    const rows = await this.db.query<{
      id: string;
      content_type: string;
      size: number | string;
      has_thumb: number | string | boolean;
      gps_lat: number | null;
      gps_lon: number | null;
      name: string;
      linked_at: string;
    }>(
      `SELECT m.id, m.content_type, m.size, CASE WHEN m.thumbnail IS NULL THEN 0 ELSE 1 END AS has_thumb, m.gps_lat, m.gps_lon, l.name, l.linked_at
       FROM media_links l JOIN media m ON m.id = l.media_id WHERE l.conversation_id = $1 ORDER BY l.linked_at, m.id`,
      [conversationId],
    );
    return rows.map((r) => ({
      id: r.id,
      contentType: r.content_type as MediaType,
      name: r.name,
      size: Number(r.size),
      hasThumbnail: Number(r.has_thumb) === 1,
      gps: r.gps_lat !== null && r.gps_lon !== null ? { lat: Number(r.gps_lat), lon: Number(r.gps_lon) } : undefined,
      at: r.linked_at,
    }));
  }

  async count(conversationId: string): Promise<number> {
    const [row] = await this.db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM media_links WHERE conversation_id = $1`, [
      conversationId,
    ]);
    return Number(row?.n ?? 0);
  }

  async isLinked(conversationId: string, mediaId: string): Promise<boolean> {
    const [row] = await this.db.query(`SELECT 1 AS x FROM media_links WHERE conversation_id = $1 AND media_id = $2`, [
      conversationId,
      mediaId,
    ]);
    return row !== undefined;
  }

  /** The bytes (or the thumbnail) and their type, or undefined. */
  async content(mediaId: string, variant: 'full' | 'thumbnail'): Promise<{ contentType: string; bytes: Buffer } | undefined> {
    const [row] = await this.db.query<{ content_type: string; bytes: Buffer | null }>(
      `SELECT content_type, ${variant === 'full' ? 'bytes' : 'thumbnail'} AS bytes FROM media WHERE id = $1`,
      [mediaId],
    );
    if (!row?.bytes) return undefined;
    return { contentType: variant === 'full' ? row.content_type : 'image/jpeg', bytes: Buffer.from(row.bytes) };
  }
}
