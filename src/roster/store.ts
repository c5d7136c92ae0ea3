import type { Logger } from 'pino';
import { isUniqueViolation, type Database } from '../storage/database.js';
import { ConflictError, NotFoundError, VersionConflictError } from '../errors/domain-errors.js';
import type { Technician, TechnicianInput } from './model.js';

/** Statuses in which a ticket is a technician's current work. */
const WORKING = ['assigned', 'en_route', 'on_site'] as const;

/** The technician roster: one row per technician, the document plus the columns queries use. */
export class RosterStore {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async list(opts: { active?: boolean } = {}): Promise<Technician[]> {
    const rows = await this.db.query<{ doc: string }>(
      `SELECT doc FROM technicians ${opts.active === undefined ? '' : 'WHERE active = $1'} ORDER BY id`,
      opts.active === undefined ? [] : [opts.active ? 1 : 0],
    );
    return rows.map((r) => JSON.parse(r.doc) as Technician);
  }

  async get(id: string): Promise<Technician | undefined> {
    const [row] = await this.db.query<{ doc: string }>(`SELECT doc FROM technicians WHERE id = $1`, [id]);
    return row ? (JSON.parse(row.doc) as Technician) : undefined;
  }

  async create(input: TechnicianInput): Promise<Technician> {
    const at = this.clock().toISOString();
    const t: Technician = { ...input, version: 1, createdAt: at, updatedAt: at };
    try {
      await this.db.run(`INSERT INTO technicians (id, active, version, updated_at, doc) VALUES ($1, $2, $3, $4, $5)`, [
        t.id,
        t.active ? 1 : 0,
        1,
        at,
        JSON.stringify(t),
      ]);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ConflictError(
          'technician_exists',
          `technician ${t.id} is already on the roster; edit it with PUT or PATCH /api/technicians/${t.id}`,
        );
      throw err;
    }
    return t;
  }

  /** Applies `change` in one transaction; with expectedVersion the caller's view must be current. */
  async update(
    id: string,
    change: (t: Technician) => Omit<Technician, 'version' | 'createdAt' | 'updatedAt'>,
    expectedVersion?: number,
  ): Promise<Technician> {
    return this.db.transaction(async (tx) => {
      const lock = this.db.kind === 'postgres' ? ' FOR UPDATE' : '';
      const [row] = await tx.query<{ doc: string }>(`SELECT doc FROM technicians WHERE id = $1${lock}`, [id]);
      if (!row) throw new NotFoundError(`no technician ${id} on the roster`);
      const current = JSON.parse(row.doc) as Technician;
      if (expectedVersion !== undefined && expectedVersion !== current.version) {
        throw new VersionConflictError(`technician ${id} is at version ${current.version}, not ${expectedVersion}: reload it`);
      }
      const at = this.clock().toISOString();
      const next: Technician = {
        ...change(structuredClone(current)),
        id: current.id,
        version: current.version + 1,
        createdAt: current.createdAt,
        updatedAt: at,
      };
      await tx.run(`UPDATE technicians SET active = $1, version = $2, updated_at = $3, doc = $4 WHERE id = $5`, [
        next.active ? 1 : 0,
        next.version,
        at,
        JSON.stringify(next),
        id,
      ]);
      return next;
    });
  }

  /** Open jobs (assigned, en route, on site) per technician. */
  async openJobs(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ technician_id: string; n: number | string }>(
      `SELECT technician_id, COUNT(*) AS n FROM tickets WHERE technician_id IS NOT NULL AND status IN (${WORKING.map((_, i) => `$${i + 1}`).join(', ')})
       GROUP BY technician_id`,
      [...WORKING],
    );
    return new Map(rows.map((r) => [r.technician_id, Number(r.n)]));
  }
}

/**
 * At start: every technician key should name a roster id. With the generated local keys
 * (no API_KEYS) an empty roster gets their technician as a sample entry, so a fresh
 * `npm start` can assign a ticket end to end; otherwise a missing id is only reported.
 */
export async function checkTechnicianKeys(
  roster: RosterStore,
  keys: readonly { role: string; technicianId?: string }[],
  opts: { seedDefault: boolean; skills: readonly string[] },
  log: Logger,
): Promise<void> {
  const ids = keys.filter((k) => k.role === 'technician' && k.technicianId).map((k) => k.technicianId!);
  if (opts.seedDefault && ids.length > 0 && (await roster.list()).length === 0) {
    for (const id of ids) {
      await roster
        .create({
          id,
          name: `Sample technician ${id}`,
          phone: '+8613800138000',
          skills: [...opts.skills],
          region: 'Shanghai',
          active: true,
        })
        .catch((err: unknown) => {
          if (!(err instanceof ConflictError)) throw err; // another instance seeded it first
        });
    }
    log.warn(
      { technicians: ids },
      'roster was empty: added a sample technician for each generated technician key; edit them under /api/technicians',
    );
  }
  for (const id of ids) {
    const t = await roster.get(id);
    if (!t || !t.active)
      log.warn(
        { technician: id },
        'a technician API key names no active roster entry: that key is refused until an admin adds the technician',
      );
  }
}
