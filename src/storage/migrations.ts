import type { Database } from './database.js';

/**
 * Schema migrations, applied in order and recorded in schema_migrations. Each is
 * written once in the SQL both databases accept; never edit one that has shipped,
 * add the next.
 */
const MIGRATIONS: { id: string; sql: string[] }[] = [
  {
    id: '001-tickets',
    sql: [
      `CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
      `INSERT INTO counters (name, value) VALUES ('ticket', 0)`,
      `CREATE TABLE tickets (
         id TEXT PRIMARY KEY,
         number TEXT NOT NULL UNIQUE,
         idempotency_key TEXT UNIQUE,
         request_hash TEXT,
         status TEXT NOT NULL,
         product_line TEXT NOT NULL,
         technician_id TEXT,
         fault_id TEXT,
         created_at TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         next_due_at TEXT,
         actual_fault_id TEXT,
         closed_out_at TEXT,
         closed_out_by TEXT,
         workload REAL,
         version INTEGER NOT NULL,
         doc TEXT NOT NULL
       )`,
      `CREATE INDEX tickets_status ON tickets (status)`,
      `CREATE INDEX tickets_line ON tickets (product_line)`,
      `CREATE INDEX tickets_technician ON tickets (technician_id)`,
      `CREATE INDEX tickets_next_due ON tickets (next_due_at)`,
      `CREATE INDEX tickets_closed_out ON tickets (closed_out_at)`,
    ],
  },
  {
    id: '002-knowledge-gaps',
    sql: [
      `CREATE TABLE knowledge_gaps (
         id TEXT PRIMARY KEY,
         created_at TEXT NOT NULL,
         source TEXT NOT NULL,
         text TEXT NOT NULL,
         language TEXT NOT NULL,
         product_line TEXT,
         matched_fault_id TEXT,
         actual_fault_id TEXT,
         ticket_id TEXT,
         status TEXT NOT NULL,
         resolution TEXT
       )`,
      `CREATE INDEX knowledge_gaps_status ON knowledge_gaps (status)`,
    ],
  },
  {
    id: '003-conversations',
    sql: [
      // botbuilder's conversation and user state, shared by every server instance.
      `CREATE TABLE bot_state (key TEXT PRIMARY KEY, etag TEXT NOT NULL, doc TEXT NOT NULL, updated_at TEXT NOT NULL)`,
      // Requests for a person, for the call center's queue.
      `CREATE TABLE handoffs (
         id TEXT PRIMARY KEY,
         created_at TEXT NOT NULL,
         conversation_id TEXT NOT NULL,
         channel TEXT NOT NULL,
         language TEXT NOT NULL,
         product_line TEXT,
         fault_id TEXT,
         reason TEXT NOT NULL,
         transcript TEXT NOT NULL,
         status TEXT NOT NULL
       )`,
      // How self-service conversations ended: the statistics the manual is judged by.
      `CREATE TABLE triage_outcomes (
         id TEXT PRIMARY KEY,
         created_at TEXT NOT NULL,
         conversation_id TEXT NOT NULL,
         product_line TEXT,
         fault_id TEXT,
         outcome TEXT NOT NULL,
         steps TEXT NOT NULL,
         ticket_id TEXT
       )`,
    ],
  },
  {
    id: '004-directline',
    sql: [
      `CREATE TABLE directline_conversations (
         id TEXT PRIMARY KEY,
         token_hash TEXT NOT NULL,
         created_at TEXT NOT NULL,
         next_seq INTEGER NOT NULL
       )`,
      `CREATE TABLE directline_activities (
         conversation_id TEXT NOT NULL,
         seq INTEGER NOT NULL,
         activity TEXT NOT NULL,
         PRIMARY KEY (conversation_id, seq)
       )`,
    ],
  },
  {
    id: '005-rate-limits',
    sql: [
      // rate-limiter-flexible's PostgreSQL store (its own layout), so every instance counts the same requests.
      // SQLite deployments are one instance and count in memory; the table stays empty there.
      `CREATE TABLE rate_limits (key VARCHAR(255) PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire BIGINT)`,
    ],
  },
  {
    id: '006-directline-token-life',
    sql: [
      // A token's own expiry (refresh extends it) and the conversation's last activity (retention counts from it).
      `ALTER TABLE directline_conversations ADD COLUMN token_expires_at TEXT`,
      `ALTER TABLE directline_conversations ADD COLUMN last_active_at TEXT`,
      `CREATE INDEX directline_conversations_active ON directline_conversations (last_active_at)`,
    ],
  },
  // 015–019: live agents, proactive messages and streaming (issue 15).
  {
    id: '015-live-handoffs',
    sql: [
      // A handoff's life: open (waiting) → claimed by an agent → closed (to the bot or for good).
      `ALTER TABLE handoffs ADD COLUMN claimed_by TEXT`,
      `ALTER TABLE handoffs ADD COLUMN claimed_at TEXT`,
      `ALTER TABLE handoffs ADD COLUMN closed_at TEXT`,
      `ALTER TABLE handoffs ADD COLUMN closed_by TEXT`,
      `ALTER TABLE handoffs ADD COLUMN released_to TEXT`,
      // When the bot told the operator nobody was free yet (once per handoff).
      `ALTER TABLE handoffs ADD COLUMN unclaimed_notice_at TEXT`,
      `ALTER TABLE handoffs ADD COLUMN next_seq INTEGER NOT NULL DEFAULT 0`,
      // A ticket opened for the conversation while it was with a person (from the panel's chat view).
      `ALTER TABLE handoffs ADD COLUMN ticket_id TEXT`,
      `CREATE INDEX handoffs_status_created ON handoffs (status, created_at)`,
      `CREATE INDEX handoffs_conversation ON handoffs (conversation_id, status)`,
      // What was said while a person had (or was about to have) the conversation: operator, bot, agent.
      `CREATE TABLE handoff_messages (
         handoff_id TEXT NOT NULL,
         seq INTEGER NOT NULL,
         at TEXT NOT NULL,
         sender TEXT NOT NULL,
         author TEXT,
         text TEXT NOT NULL,
         PRIMARY KEY (handoff_id, seq)
       )`,
    ],
  },
  {
    id: '016-conversation-references',
    sql: [
      // Each conversation's Bot Framework reference and language: how proactive messages reach it.
      `CREATE TABLE conversation_refs (
         conversation_id TEXT PRIMARY KEY,
         channel_id TEXT NOT NULL,
         reference TEXT NOT NULL,
         language TEXT,
         updated_at TEXT NOT NULL
       )`,
      // Which ticket updates the operator has been told about (one row per notice: no duplicates across instances).
      `CREATE TABLE ticket_notices (ticket_id TEXT NOT NULL, kind TEXT NOT NULL, sent_at TEXT NOT NULL, PRIMARY KEY (ticket_id, kind))`,
    ],
  },
  // 020–024: the field workflow (roster, priority and search, media).
  {
    id: '020-technicians',
    sql: [
      `CREATE TABLE technicians (id TEXT PRIMARY KEY, active INTEGER NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL)`,
    ],
  },
  {
    id: '021-ticket-priority-search',
    sql: [
      `ALTER TABLE tickets ADD COLUMN machine_down INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE tickets ADD COLUMN search_text TEXT`,
      // Older rows: the flag from the document (JSON.stringify writes no spaces), and the whole document to search in.
      `UPDATE tickets SET machine_down = CASE WHEN doc LIKE '%"machineDown":true%' THEN 1 ELSE 0 END, search_text = lower(doc)`,
      `CREATE INDEX tickets_priority ON tickets (machine_down, next_due_at)`,
    ],
  },
  {
    id: '022-media',
    sql: [
      // Content-addressed: id is the SHA-256 of the bytes. BYTEA is PostgreSQL's binary type; SQLite stores the Buffer as a BLOB.
      `CREATE TABLE media (
         id TEXT PRIMARY KEY,
         content_type TEXT NOT NULL,
         size INTEGER NOT NULL,
         bytes BYTEA NOT NULL,
         thumbnail BYTEA,
         gps_lat REAL,
         gps_lon REAL,
         created_at TEXT NOT NULL
       )`,
      // Where each item came from: a Direct Line conversation, or ticket:<id> for staff uploads.
      `CREATE TABLE media_links (
         conversation_id TEXT NOT NULL,
         media_id TEXT NOT NULL,
         name TEXT NOT NULL,
         linked_at TEXT NOT NULL,
         PRIMARY KEY (conversation_id, media_id)
       )`,
    ],
  },
  // 025–029: the installed base and the maintenance service (issue 17).
  {
    id: '025-installed-base',
    sql: [
      `CREATE TABLE customers (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)`,
      `CREATE TABLE equipment (
         serial TEXT PRIMARY KEY,
         model TEXT NOT NULL,
         product_line TEXT NOT NULL,
         customer_id TEXT NOT NULL REFERENCES customers (id),
         site TEXT NOT NULL,
         accepted_on TEXT NOT NULL,
         warranty_months INTEGER NOT NULL,
         warranty_end TEXT NOT NULL,
         contact_phone TEXT,
         plan TEXT NOT NULL,
         technician_id TEXT,
         created_at TEXT NOT NULL,
         updated_at TEXT NOT NULL
       )`,
      `CREATE INDEX equipment_line ON equipment (product_line)`,
      `CREATE INDEX equipment_customer ON equipment (customer_id)`,
    ],
  },
  {
    id: '026-ticket-machine',
    sql: [
      // Tickets know their machine (history per serial) and their kind (fault or maintenance).
      `ALTER TABLE tickets ADD COLUMN kind TEXT NOT NULL DEFAULT 'fault'`,
      `ALTER TABLE tickets ADD COLUMN serial TEXT`,
      `CREATE INDEX tickets_serial ON tickets (serial)`,
      `CREATE INDEX tickets_kind_created ON tickets (kind, created_at)`,
    ],
  },
  {
    id: '027-report-trends',
    sql: [
      // Suggestions answered and abstained per day and channel: the abstention rate over time.
      `CREATE TABLE suggestion_counts (day TEXT NOT NULL, channel TEXT NOT NULL, total INTEGER NOT NULL, abstained INTEGER NOT NULL, PRIMARY KEY (day, channel))`,
      // When a knowledge-gap item was accepted or rejected: gaps closed over time.
      `ALTER TABLE knowledge_gaps ADD COLUMN resolved_at TEXT`,
      `CREATE INDEX triage_outcomes_created ON triage_outcomes (created_at)`,
    ],
  },
  // 040–044: live agents and proactive messages, continued (issue 15, and issue 17's reminders).
  {
    id: '040-inspection-reminders',
    sql: [
      // Which inspection visits the machine's contact has been reminded of in their conversation (once per visit, across instances).
      `CREATE TABLE inspection_reminders (serial TEXT NOT NULL, due_on TEXT NOT NULL, conversation_id TEXT NOT NULL, sent_at TEXT NOT NULL, PRIMARY KEY (serial, due_on))`,
    ],
  },
  {
    id: '041-handoff-callback-priority',
    sql: [
      // A number the operator left to be called back on (E.164), and "urgent" once they reported danger while handed over.
      `ALTER TABLE handoffs ADD COLUMN callback_phone TEXT`,
      `ALTER TABLE handoffs ADD COLUMN priority TEXT`,
    ],
  },
  // 045–049: the field workflow (issue 16).
  {
    id: '045-transcripts',
    sql: [
      // botbuilder's TranscriptLoggerMiddleware on every adapter writes here (src/transcripts/store.ts): one log for all channels.
      `CREATE TABLE transcript_activities (
         channel_id TEXT NOT NULL,
         conversation_id TEXT NOT NULL,
         seq BIGINT NOT NULL,
         at TEXT NOT NULL,
         activity TEXT NOT NULL,
         PRIMARY KEY (channel_id, conversation_id, seq)
       )`,
      `CREATE INDEX transcript_activities_at ON transcript_activities (at)`,
    ],
  },
];

export async function migrate(db: Database): Promise<string[]> {
  return db.transaction(async (tx) => {
    // Several instances may start at once against one PostgreSQL: one migrates, the others wait.
    if (db.kind === 'postgres') await tx.query(`SELECT pg_advisory_xact_lock(727274)`);
    await tx.run(`CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
    const done = new Set((await tx.query<{ id: string }>(`SELECT id FROM schema_migrations`)).map((r) => r.id));
    const applied: string[] = [];
    for (const m of MIGRATIONS.filter((x) => !done.has(x.id))) {
      for (const statement of m.sql) await tx.run(statement);
      await tx.run(`INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)`, [m.id, new Date().toISOString()]);
      applied.push(m.id);
    }
    return applied;
  });
}
