import { randomUUID } from 'node:crypto';
import { addDays, warrantyEnd } from '../equipment/model.js';
import { EquipmentStore, type MachineInput } from '../equipment/store.js';
import { GapStore } from '../feedback/gap-store.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import type { ProductLineCode } from '../knowledge/schema.js';
import type { MaintenanceKnowledge } from '../maintenance/knowledge.js';
import { MaintenanceService } from '../maintenance/service.js';
import type { Database } from '../storage/database.js';
import type { Actor } from '../tickets/actor.js';
import { createTicketSchema } from '../tickets/model.js';
import { TicketService } from '../tickets/service.js';
import { TicketStore } from '../tickets/store.js';
import { RosterStore } from '../roster/store.js';

/**
 * Demo data: a plausible installed base over the seven lines and a year of history
 * (fault tickets worked to close-out, bot outcomes, suggestion counts, knowledge gaps,
 * inspections done, late and missed), so that a fresh server shows the reports and a
 * data-driven schedule. Everything goes through the real services with a moved clock.
 * Deterministic for a given seed. The shapes are invented defaults, not real data:
 *
 * - first faults come early (commissioning, the first weeks of work) with a second
 *   bump per line (e.g. pump trucks around month 3, when wear parts first go);
 * - volume follows the construction season: road lines (pavers, milling machines,
 *   rollers) peak April–June, pump trucks and trailer pumps in spring and autumn.
 */

export interface SeedOptions {
  machines: number;
  seed: number;
  now: Date;
  /** Days of history (365 = a year). */
  days: number;
}

interface LineShape {
  share: number;
  models: string[];
  /** Daily fault rate of a machine at age month m (1-based): base × bump. */
  base: number;
  bumpMonths: number[];
  /** Multiplier per calendar month (Jan … Dec). */
  season: number[];
}

const ROAD = [0.3, 0.3, 0.7, 1.8, 2.2, 2.0, 1.0, 0.9, 1.2, 1.0, 0.5, 0.3];
const CONCRETE = [0.5, 0.6, 1.3, 1.6, 1.5, 1.0, 0.8, 0.8, 1.4, 1.5, 1.0, 0.6];
const STEADY = [0.8, 0.7, 1.0, 1.1, 1.1, 1.0, 1.0, 1.0, 1.1, 1.1, 1.0, 0.9];

/** Demo shapes of the default manual's lines; a line the manual adds gets a steady generic shape. */
const SHAPES: Partial<Record<ProductLineCode, LineShape>> = {
  PT: { share: 0.24, models: ['37X-5RZ', '47X-5RZ', '56X-6RZ', '62X-6RZ'], base: 0.0045, bumpMonths: [3, 8], season: CONCRETE },
  CP: { share: 0.13, models: ['HBT60', 'HBT80', 'HBT90CH'], base: 0.0035, bumpMonths: [2], season: CONCRETE },
  RR: { share: 0.15, models: ['XS203J', 'XS263J', 'XD123'], base: 0.003, bumpMonths: [5], season: ROAD },
  PV: { share: 0.12, models: ['LTU90', 'LTU120', 'RP953'], base: 0.004, bumpMonths: [2, 6], season: ROAD },
  TC: { share: 0.16, models: ['TC5610', 'TC6013', 'TC7020'], base: 0.003, bumpMonths: [4], season: STEADY },
  MM: { share: 0.09, models: ['LX2000', 'XM200K'], base: 0.0045, bumpMonths: [3], season: ROAD },
  HD: { share: 0.11, models: ['ZT-20', 'ZT-32', 'XZ680'], base: 0.0035, bumpMonths: [6], season: STEADY },
};

const shapeOf = (line: ProductLineCode): LineShape =>
  SHAPES[line] ?? { share: 0.1, models: [`${line}-100`, `${line}-200`], base: 0.0035, bumpMonths: [4], season: STEADY };

const CUSTOMERS = [
  'Harbour Construction',
  'Jiangnan Concrete Co.',
  '华东路桥集团',
  'Li Brothers Roadworks',
  '中建八局第三公司',
  'Riverside Building Group',
  '蜀道路面工程',
  'Golden Bay Infrastructure',
  '湘江混凝土有限公司',
  'Northern Crane Services',
  '鲁南市政工程',
  'Pearl River Drilling',
  '晋中建设',
  'Silk Road Paving',
  '闽江塔吊租赁',
  'Yellow Sea Foundations',
  '皖江路桥',
  'Greater Bay Pipelines',
  '云岭建工',
  'Capital Ring Road Ltd',
  '长江基础工程',
  'Tianfu Builders',
  '北部湾港建',
  'Eastern Highway Maintenance',
  '黔东南交建',
  'Great Wall Lifting',
  '赣南混凝土',
  'Sunrise Tunnelling',
];
const CITIES = [
  'Shanghai',
  'Wuhan',
  'Changsha',
  'Chengdu',
  'Hefei',
  'Nanjing',
  'Hangzhou',
  'Guangzhou',
  'Xi’an',
  'Zhengzhou',
  'Jinan',
  'Kunming',
  'Nanning',
  'Fuzhou',
];
const ROADS = [
  'Binjiang Rd',
  'Ring Road section 4',
  'Riverside Logistics Park',
  'New Airport Site',
  'Metro Line 6 depot',
  'Hi-Tech Zone plot 12',
  'Port expansion',
  'Eastern bypass',
];
const NAMES = ['Wang Fang', 'Chen Jun', 'Liu Yang', 'Zhang Wei', 'Zhao Lei', 'Huang Min', 'Zhou Jie', 'Wu Qiang', 'Xu Li', 'Sun Hao'];
const TECHNICIANS = Array.from({ length: 12 }, (_, i) => `T-${String(i + 1).padStart(2, '0')}`);
const REGIONS = ['Shanghai', 'Jiangsu', 'Zhejiang', 'Hubei', 'Hunan', 'Guangdong'];

/** mulberry32: small, fast, good enough for demo data, and the same for the same seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}

const HOUR = 3_600_000;
const DISPATCH: Actor = { role: 'dispatcher', label: 'seed:dispatcher' };
const AGENT: Actor = { role: 'agent', label: 'seed:agent' };

export interface SeedReport {
  machines: number;
  tickets: number;
  inspections: number;
  outcomes: number;
  gaps: number;
}

export async function seedDemo(db: Database, kb: KnowledgeBase, maintenance: MaintenanceKnowledge, opts: SeedOptions): Promise<SeedReport> {
  const rnd = prng(opts.seed);
  const equipment = new EquipmentStore(db);
  if ((await equipment.count()) > 0)
    throw new Error('the database already holds machines: seed an empty store (a fresh DATA_DIR or database)');
  let now = new Date(opts.now.getTime() - opts.days * 86_400_000);
  const clock = () => now;
  const gaps = new GapStore(db);
  const store = new TicketStore(db);
  // The technicians the history is worked by, on the roster (assignment needs an active roster technician).
  const roster = new RosterStore(db, clock);
  for (const [i, id] of TECHNICIANS.entries()) {
    if (await roster.get(id)) continue;
    await roster.create({
      id,
      name: `Technician ${id}`,
      phone: `+86138001380${String(i + 10).padStart(2, '0')}`,
      skills: [...kb.productLines.codes],
      region: REGIONS[i % REGIONS.length]!,
      active: true,
    });
  }
  const tickets = new TicketService(kb, store, gaps, roster, clock, (s) => equipment.get(s));
  const service = new MaintenanceService(kb, maintenance, equipment, tickets, clock);
  const today = opts.now.toISOString().slice(0, 10);

  // The installed base: accepted over the last two and a half years, more recently more.
  const machines: MachineInput[] = [];
  const lines = kb.productLines.codes;
  let n = 0;
  for (const line of lines) {
    const count = Math.max(3, Math.round(opts.machines * shapeOf(line).share));
    const tier = kb.productLines.line(line).service_tier;
    for (let i = 0; i < count; i++) {
      const age = Math.floor(Math.pow(rnd.next(), 0.8) * 900) + 20;
      const acceptedOn = addDays(today, -age);
      const months = rnd.pick([12, 12, 12, 18, 24]);
      const model = rnd.pick(shapeOf(line).models);
      const plan = rnd.chance(0.1) ? rnd.pick(['premium', 'standard']) : tier;
      n++;
      machines.push({
        serial: `${line}${model
          .replace(/[^A-Z0-9]/gi, '')
          .slice(0, 5)
          .toUpperCase()}-${acceptedOn.slice(0, 4)}-${String(n).padStart(4, '0')}`,
        model,
        productLine: line,
        customer: rnd.pick(CUSTOMERS),
        site: `${rnd.pick(ROADS)}, ${rnd.pick(CITIES)}`,
        acceptedOn,
        warrantyMonths: months,
        warrantyEnd: warrantyEnd(acceptedOn, months),
        contactPhone: `+86139${String(rnd.int(0, 99_999_999)).padStart(8, '0')}`,
        plan,
        technicianId: plan === 'premium' ? rnd.pick(TECHNICIANS) : undefined,
      });
    }
  }
  await equipment.upsertAll(machines, now.toISOString());

  // A year of faults, day by day: hazard by age month × the line's season.
  const faultsByLine = new Map(lines.map((l) => [l, kb.faults.filter((f) => f.product_line === l)]));
  const firstFault = new Set<string>();
  let ticketCount = 0;
  let outcomeCount = 0;
  const outcomes: { at: Date; line: string; outcome: string }[] = [];
  for (let d = 0; d < opts.days; d++) {
    const day = addDays(today, d - opts.days);
    const month = Number(day.slice(5, 7));
    for (const m of machines) {
      if (m.acceptedOn > day) continue;
      const shape = shapeOf(m.productLine);
      const ageMonth = Math.floor((Date.parse(day) - Date.parse(m.acceptedOn)) / (30 * 86_400_000)) + 1;
      // New machines fail more before their first fault (teething), and at the line's wear bumps.
      const bump = shape.bumpMonths.includes(ageMonth) ? 5 : ageMonth === 1 ? 2.5 : 1;
      const teething = firstFault.has(m.serial) ? 0.6 : 1;
      if (!rnd.chance(shape.base * bump * teething * shape.season[month - 1]!)) continue;
      firstFault.add(m.serial);
      now = new Date(Date.parse(`${day}T00:00:00Z`) + rnd.int(7, 19) * HOUR + rnd.int(0, 59) * 60_000);
      const fault = rnd.pick(faultsByLine.get(m.productLine)!);
      const input = createTicketSchema.parse({
        customer: { name: m.customer, site: { address: m.site } },
        contact: { name: rnd.pick(NAMES), phone: m.contactPhone },
        equipment: { productLine: m.productLine, serial: m.serial },
        faults: [{ id: fault.id, confidence: Math.round((0.55 + rnd.next() * 0.4) * 100) / 100 }],
        operatorWords: rnd.chance(0.5)
          ? fault.symptoms.en[rnd.int(0, fault.symptoms.en.length - 1)]
          : fault.symptoms.zh[rnd.int(0, fault.symptoms.zh.length - 1)],
        machineDown: rnd.chance(0.35),
        source: rnd.pick(['bot', 'panel', 'bot']),
      });
      const { ticket } = await tickets.create(input, AGENT);
      ticketCount++;
      outcomes.push({ at: now, line: m.productLine, outcome: 'escalated' });
      await workTicket(ticket.id, fault.id, fault.causes, opts.now);
    }
    // Triages that ended without a ticket: resolved by the operator, on the phone, or handed to a person.
    for (let i = rnd.int(2, 6); i > 0; i--) {
      const at = new Date(Date.parse(`${day}T00:00:00Z`) + rnd.int(6, 21) * HOUR);
      // The manual gets better over the year: self-service resolution rises a little month by month.
      const progress = d / opts.days;
      const outcome = rnd.chance(0.38 + 0.15 * progress)
        ? 'resolved'
        : rnd.chance(0.35)
          ? 'resolved-by-phone'
          : rnd.chance(0.5)
            ? 'handed-off'
            : 'escalated';
      if (outcome !== 'escalated') outcomes.push({ at, line: rnd.pick(lines), outcome });
    }
    const suggestions = rnd.int(40, 90);
    const abstainShare = 0.16 - 0.06 * (d / opts.days);
    await db.run(`INSERT INTO suggestion_counts (day, channel, total, abstained) VALUES ($1, 'all', $2, $3)`, [
      day,
      suggestions,
      Math.round(suggestions * abstainShare * (0.7 + rnd.next() * 0.6)),
    ]);
    if (rnd.chance(0.25)) {
      const g = await gaps.record({
        source: 'abstained',
        text: rnd.pick(['机器有点不对劲', 'it makes a funny clunk on the left', '臂架抖得厉害', 'the screen says E-47', '拖泵声音发闷']),
        language: 'unknown',
        productLine: rnd.pick(lines),
        matchedFaultId: null,
        actualFaultId: null,
        ticketId: null,
      });
      await db.run(`UPDATE knowledge_gaps SET created_at = $1 WHERE id = $2`, [`${day}T10:00:00.000Z`, g.id]);
    }
  }
  // Handoffs get their own random stream, so adding them changed nothing else the seed makes.
  const desk = prng(opts.seed ^ 0x5eed);
  for (const o of outcomes) {
    await db.run(
      `INSERT INTO triage_outcomes (id, created_at, conversation_id, product_line, fault_id, outcome, steps, ticket_id) VALUES ($1, $2, $3, $4, NULL, $5, '[]', NULL)`,
      [`seed-${outcomeCount}`, o.at.toISOString(), `seed-conversation-${outcomeCount}`, o.line, o.outcome],
    );
    if (o.outcome === 'handed-off') await seedHandoff(db, desk, `seed-conversation-${outcomeCount}`, o.at, o.line);
    outcomeCount++;
  }
  // Close-outs recorded their gaps at the real time; they belong to the close-out's day.
  await db.run(
    `UPDATE knowledge_gaps SET created_at = (SELECT closed_out_at FROM tickets WHERE tickets.id = knowledge_gaps.ticket_id)
     WHERE ticket_id IS NOT NULL AND EXISTS (SELECT 1 FROM tickets WHERE tickets.id = knowledge_gaps.ticket_id AND closed_out_at IS NOT NULL)`,
  );
  // Gap items get reviewed a couple of weeks after they come in; most are accepted.
  const open = await gaps.list('open', 100_000);
  for (const g of open) {
    const reviewed = new Date(Date.parse(g.createdAt) + rnd.int(3, 30) * 86_400_000);
    if (reviewed > opts.now || rnd.chance(0.2)) continue;
    await gaps.resolve(g.id, rnd.chance(0.75) ? 'accepted' : 'rejected', 'reviewed (demo data)', reviewed);
  }

  // Inspections of the last year under the schedule the history now gives: most done on time, some late, a few missed.
  now = opts.now;
  service.invalidate();
  const visits = await service.inspections({ from: addDays(today, -opts.days), to: addDays(today, -1) });
  let inspections = 0;
  for (const v of visits) {
    if (rnd.chance(0.08)) continue; // missed
    now = new Date(Date.parse(`${addDays(v.dueOn, -10)}T08:00:00Z`));
    const { ticket } = await service.openWorkOrder(v.serial, v.dueOn, DISPATCH);
    const tech = ticket.technicianId ?? rnd.pick(TECHNICIANS);
    if (!ticket.technicianId) await tickets.assign(ticket.id, tech, DISPATCH);
    const late = rnd.chance(0.12) ? rnd.int(15, 30) : rnd.int(-3, 10);
    const visitAt = Date.parse(`${addDays(v.dueOn, late)}T09:00:00Z`);
    if (visitAt > opts.now.getTime()) continue;
    const techActor: Actor = { role: 'technician', technicianId: tech, label: `seed:${tech}` };
    now = new Date(visitAt);
    await tickets.changeStatus(ticket.id, 'en_route', techActor);
    now = new Date(visitAt + HOUR);
    await tickets.changeStatus(ticket.id, 'on_site', techActor);
    now = new Date(visitAt + 3 * HOUR);
    const failIndex = rnd.chance(0.15) ? rnd.int(0, ticket.inspection!.checklist.length - 1) : -1;
    await service.recordResult(
      ticket.id,
      {
        items: ticket.inspection!.checklist.map((c, i) =>
          i === failIndex
            ? { id: c.id, result: 'fail' as const, note: 'worn beyond the limit; replacement needed' }
            : { id: c.id, result: 'pass' as const },
        ),
        customer: {
          peakMonths: rnd.chance(0.3) ? [rnd.int(3, 5), rnd.int(6, 7)] : [],
          operatorTraining: rnd.pick(['not-needed', 'not-needed', 'wanted', 'given'] as const),
          satisfaction: rnd.pick([3, 4, 4, 5, 5]),
          hoursPerDay: rnd.int(4, 12),
        },
        minutesOnSite: rnd.int(60, 240),
      },
      techActor,
    );
    inspections++;
  }
  const [{ n: gapCount } = { n: 0 }] = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM knowledge_gaps`);
  return { machines: machines.length, tickets: ticketCount, inspections, outcomes: outcomeCount, gaps: Number(gapCount) };

  /** Dispatch, travel, repair and close-out, mostly within the clocks; the last days' tickets stay open. */
  async function workTicket(id: string, faultId: string, causes: KnowledgeBase['faults'][number]['causes'], end: Date) {
    const created = now.getTime();
    const slow = rnd.chance(0.15) ? 2.5 : 1;
    const tech = rnd.pick(TECHNICIANS);
    const techActor: Actor = { role: 'technician', technicianId: tech, label: `seed:${tech}` };
    const steps: [number, () => Promise<unknown>][] = [
      [rnd.int(1, 6) * slow, () => tickets.assign(id, tech, DISPATCH)],
      [rnd.int(7, 14) * slow, () => tickets.changeStatus(id, 'en_route', techActor)],
      [rnd.int(15, 30) * slow, () => tickets.changeStatus(id, 'on_site', techActor)],
      [
        rnd.int(32, 60) * slow,
        () => {
          const cause = rnd.pick(causes);
          const mismatch = rnd.chance(0.1);
          return tickets.closeOut(
            id,
            {
              actualFaultId: mismatch ? null : faultId,
              causeId: mismatch ? undefined : cause.id,
              rootCauseClass: cause.class,
              partsUsed: cause.parts.slice(0, 1).map((code) => ({ code, quantity: 1 })),
              workDone: 'Repaired on site (demo data)',
              minutesOnSite: rnd.int(30, 300),
            },
            techActor,
          );
        },
      ],
      [rnd.int(70, 110) * slow, () => tickets.changeStatus(id, 'closed', DISPATCH)],
    ];
    for (const [hours, step] of steps) {
      const at = created + hours * HOUR;
      if (at > end.getTime()) return;
      now = new Date(at);
      await step();
    }
  }
}

/**
 * A handed-over chat, closed: most are claimed within a minute or two (a long tail on busy
 * days), a few waited past the unclaimed notice, and some were never claimed (the
 * operator went back to the bot): what the pickup report and its plot show.
 */
async function seedHandoff(db: Database, rnd: ReturnType<typeof prng>, conversationId: string, at: Date, line: string): Promise<void> {
  const claimed = rnd.chance(0.93);
  const waited = Math.round(15 + 60 * -Math.log(1 - rnd.next() * 0.995)); // exponential, mean about 75 s
  const claimedAt = claimed ? new Date(at.getTime() + waited * 1000) : undefined;
  const closedAt = new Date(at.getTime() + (claimed ? waited + rnd.int(120, 900) : rnd.int(200, 900)) * 1000);
  await db.run(
    `INSERT INTO handoffs (id, created_at, conversation_id, channel, language, product_line, fault_id, reason, transcript, status, claimed_by, claimed_at, closed_at, closed_by, released_to, unclaimed_notice_at, priority)
     VALUES ($1, $2, $3, 'directline', $4, $5, NULL, 'user asked for a person', '[]', 'closed', $6, $7, $8, $9, $10, $11, 'normal')`,
    [
      randomUUID(),
      at.toISOString(),
      conversationId,
      rnd.chance(0.6) ? 'zh' : 'en',
      line,
      claimed ? 'agent#seed01' : null,
      claimedAt?.toISOString() ?? null,
      closedAt.toISOString(),
      claimed ? 'agent#seed01' : 'operator',
      claimed && rnd.chance(0.3) ? 'bot' : claimed ? 'closed' : 'bot',
      !claimed || waited > 180 ? new Date(at.getTime() + 180_000).toISOString() : null,
    ],
  );
}
