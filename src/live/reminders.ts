import type { Lang } from '../language/languages.js';
import type { Logger } from 'pino';
import type { Machine } from '../equipment/model.js';
import type { InspectionView, ReminderChannel } from '../maintenance/service.js';
import type { Database } from '../storage/database.js';
import type { ConversationDirectory, KnownConversation } from './conversations.js';
import type { Delivery } from './delivery.js';
import { liveText } from './messages.js';

/**
 * Maintenance reminders (issue 17) through the one proactive mechanism: before an
 * inspection, a message to the machine's contact in their conversation — the latest
 * conversation a ticket for this machine (by serial) or from its contact phone came from
 * — in that conversation's language, with the visit's date and the reason it was planned.
 * Each visit is reminded once (a row in inspection_reminders, claimed before sending), on
 * whichever instance gets there first; a contact without a conversation stays on the
 * dispatcher's call list.
 */
export class InspectionReminders implements ReminderChannel {
  constructor(
    private readonly db: Database,
    private readonly deps: { directory: ConversationDirectory; delivery: Delivery; timeZone: string; log: Logger; clock?: () => Date },
  ) {}

  /** True when the contact has been told (now or before) in their conversation. */
  async remind(machine: Machine, visit: InspectionView): Promise<boolean> {
    const [told] = await this.db.query<{ conversation_id: string }>(
      `SELECT conversation_id FROM inspection_reminders WHERE serial = $1 AND due_on = $2`,
      [machine.serial, visit.dueOn],
    );
    if (told) return true;
    const conversation = await this.conversationOf(machine);
    if (!conversation) return false;
    const now = (this.deps.clock ?? (() => new Date()))();
    const mine = await this.db.run(
      `INSERT INTO inspection_reminders (serial, due_on, conversation_id, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT (serial, due_on) DO NOTHING`,
      [machine.serial, visit.dueOn, conversation.conversationId, now.toISOString()],
    );
    if (mine !== 1) return true; // another instance is sending it
    const lang = conversation.language ?? 'en';
    const reason = visit.reasons[0]?.[lang];
    const text = liveText(lang, reason ? 'inspectionReminderWhy' : 'inspectionReminder', {
      model: machine.model,
      serial: machine.serial,
      site: machine.site,
      date: visitDate(lang, visit.dueOn, this.deps.timeZone),
      reason: reason ?? '',
    });
    const result = await this.deps.delivery.send(conversation.conversationId, [text]);
    this.deps.log.info({ serial: machine.serial, dueOn: visit.dueOn, result }, 'inspection reminder');
    if (result === 'sent') return true;
    // Not delivered (the channel is down): let the next look try again.
    await this.db.run(`DELETE FROM inspection_reminders WHERE serial = $1 AND due_on = $2 AND sent_at = $3`, [
      machine.serial,
      visit.dueOn,
      now.toISOString(),
    ]);
    return false;
  }

  /** The newest conversation a ticket for this machine, or from its contact's phone, came from. */
  private async conversationOf(machine: Machine): Promise<KnownConversation | undefined> {
    const params: string[] = [machine.serial];
    let byPhone = '';
    if (machine.contactPhone) {
      // Ticket documents keep the contact's phone in E.164, as the installed base does.
      params.push(`%"phone":${JSON.stringify(machine.contactPhone)}%`);
      byPhone = ` OR doc LIKE $2`;
    }
    const rows = await this.db.query<{ doc: string }>(
      `SELECT doc FROM tickets WHERE (serial = $1${byPhone}) AND doc LIKE '%"reference":%' ORDER BY created_at DESC LIMIT 20`,
      params,
    );
    for (const { doc } of rows) {
      const known = await this.deps.directory.ofTicketReference((JSON.parse(doc) as { reference?: string }).reference);
      if (known) return known;
    }
    return undefined;
  }
}

/** The visit's day as the contact reads it ("Tue 8 Dec" / "12月8日周二"); a date only, so noon keeps it on its day in any zone. */
function visitDate(lang: Lang, day: string, timeZone: string): string {
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone, weekday: 'short', month: 'short', day: 'numeric' }).format(
    new Date(`${day}T12:00:00Z`),
  );
}
