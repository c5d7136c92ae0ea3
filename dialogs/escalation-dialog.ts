import { ComponentDialog, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { setTriage } from '../src/conversation/triage-state.js';
import { readPhone } from '../src/conversation/recognizers/index.js';
import { promisedHours } from '../src/tickets/sla.js';
import { AnswerPrompt, type Aside } from './answer-prompt.js';
import { ask, patience } from './ask.js';
import type { TriageDeps } from './deps.js';
import { t } from './messages.js';
import { say } from './say.js';
import { session, type SessionAccessor } from './session.js';

export const ESCALATE = 'escalate';
const FLOW = 'escalate-flow';
const ADDRESS = 'escalate-address';
const NAME = 'escalate-name';
const PHONE = 'escalate-phone';
const DOWN = 'escalate-down';
const CONFIRM = 'escalate-confirm';

interface EscalationValues {
  reason: string;
  address?: string;
  name?: string;
  phone?: string;
  machineDown?: boolean;
}

export type EscalationResult = { kind: 'ticket'; number: string } | { kind: 'not-sent' } | { kind: 'failed' } | { kind: 'not-it' };

const NOT_IT = { notIt: true } as const;
const hasLetters = (s: string) => /[\p{L}]/u.test(s);

/**
 * A phone number typed before it is asked for (at the address or the name question):
 * kept for the phone question, which is then not asked, and the open question is asked
 * again. Only a message that is the number, with a few words around it ("my number is …",
 * "手机：…"); an address with digits in it stays an address.
 */
function phoneAside(accessor: SessionAccessor): Aside {
  return async (ctx, text, o, phase) => {
    if (phase !== 'before') return false;
    const phone = readPhone(text);
    if (!phone || !phoneOnly(text)) return false;
    const s = await session(accessor, ctx);
    s.contactPhone = phone;
    await say(ctx, t(o.lang, 'phoneNoted', { phone }));
    return true;
  };
}

/** The message is a phone number and at most a few words: digits, separators, and three Latin words or six Chinese characters. */
function phoneOnly(text: string): boolean {
  const rest = text.replace(/[+()\d\s.\-–—/]{7,}/gu, ' ');
  const latin = rest.match(/[a-z]+/giu)?.length ?? 0;
  const chinese = rest.match(/[\u3400-\u9fff]/gu)?.length ?? 0;
  return latin <= 3 && chinese <= 6;
}

/**
 * Collects what a technician needs (site, contact, machine down?), confirms a summary
 * and opens the dispatch ticket. Yes/no answers go through ConfirmPrompt's culture
 * models plus the vocabulary ("it's completely down", "对，提交吧"); phones are checked
 * with libphonenumber's full metadata and asked again when invalid. After a stop-work
 * match, "that's not my problem" at the first question drops the match. The idempotency
 * key is the conversation and the escalation's number, so a retried turn never opens a
 * second ticket.
 */
export class EscalationDialog extends ComponentDialog {
  constructor(private readonly deps: TriageDeps) {
    super(ESCALATE);
    const p = patience(deps);
    this.addDialog(
      new AnswerPrompt<string | typeof NOT_IT>(
        ADDRESS,
        async (_ctx, text, o) => {
          if (o.data === 'stop-work' && deps.answers.stepAnswer(text)?.outcome === 'not-it') return NOT_IT;
          const v = text.trim();
          // "yes please send someone" or "skip" answers another question, not where the machine is.
          // (An address with a number in it — "No. 5 …" — is never read as a yes or no.)
          if (deps.answers.isSkip(v) || (!/\p{N}/u.test(v) && (await p.yesNoReader.read(v, o.lang)) !== undefined)) return undefined;
          return v.length >= 5 && v.length <= 500 && hasLetters(v) ? v : undefined;
        },
        p,
        phoneAside(deps.session),
      ),
    );
    this.addDialog(
      new AnswerPrompt<string>(
        NAME,
        (_ctx, text) => {
          const v = text.trim();
          return v.length >= 1 && v.length <= 100 && hasLetters(v) && !deps.answers.isSkip(v) ? v : undefined;
        },
        p,
        phoneAside(deps.session),
      ),
    );
    this.addDialog(new AnswerPrompt<string>(PHONE, (_ctx, text) => readPhone(text), p));
    this.addDialog(new AnswerPrompt<boolean>(DOWN, (_ctx, text, o) => p.yesNoReader.read(text, o.lang, 'down'), p));
    this.addDialog(
      new AnswerPrompt<boolean>(
        CONFIRM,
        (_ctx, text, o) => {
          if (text.trim() === t(o.lang, 'confirmSend')) return true;
          if (text.trim() === t(o.lang, 'cancelTicket')) return false;
          return p.yesNoReader.read(text, o.lang, 'confirm');
        },
        p,
      ),
    );
    this.addDialog(
      new WaterfallDialog(FLOW, [
        this.address.bind(this),
        this.name.bind(this),
        this.phone.bind(this),
        this.down.bind(this),
        this.confirm.bind(this),
        this.create.bind(this),
      ]),
    );
    this.initialDialogId = FLOW;
  }

  private async address(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const options = (step.options ?? {}) as { reason?: string; stopWork?: boolean };
    (step.values as EscalationValues).reason = options.reason ?? 'escalated';
    await say(step.context, t(s.lang, 'escalateIntro'));
    const buttons = options.stopWork ? [t(s.lang, 'notIt')] : [];
    const question = options.stopWork ? `${t(s.lang, 'askAddress')} ${t(s.lang, 'stopWorkNotIt')}` : t(s.lang, 'askAddress');
    return step.prompt(
      ADDRESS,
      ask(s.lang, 'ask-address', question, t(s.lang, 'acceptAddress'), buttons, options.stopWork ? 'stop-work' : undefined),
    );
  }

  private async name(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    if (step.result === NOT_IT || (step.result as { notIt?: boolean }).notIt)
      return step.endDialog({ kind: 'not-it' } satisfies EscalationResult);
    (step.values as EscalationValues).address = String(step.result).trim();
    return step.prompt(NAME, ask(s.lang, 'ask-name', t(s.lang, 'askName'), t(s.lang, 'acceptName')));
  }

  private async phone(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    (step.values as EscalationValues).name = String(step.result).trim();
    // Given already, at the address or the name question.
    if (s.contactPhone) return step.next(s.contactPhone);
    const o = ask(s.lang, 'ask-phone', t(s.lang, 'askPhone'), t(s.lang, 'acceptPhone'));
    return step.prompt(PHONE, { ...o, retryPrompt: ask(s.lang, 'ask-phone', t(s.lang, 'badPhone'), '').prompt });
  }

  private async down(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    (step.values as EscalationValues).phone = String(step.result);
    return step.prompt(DOWN, ask(s.lang, 'ask-down', t(s.lang, 'askDown'), t(s.lang, 'acceptDown'), [t(s.lang, 'yes'), t(s.lang, 'no')]));
  }

  private async confirm(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const v = step.values as EscalationValues;
    v.machineDown = step.result === true;
    const fault = s.faultId ? this.deps.kb.faultsById.get(s.faultId) : undefined;
    const line = s.productLine ? this.deps.kb.productLines.get(s.productLine) : undefined;
    const summary = [
      [line?.name[s.lang], s.model].filter(Boolean).join(' '),
      fault?.title[s.lang],
      v.address,
      `${v.name} ${v.phone}`,
      t(s.lang, 'summaryDown', { answer: v.machineDown ? t(s.lang, 'yes') : t(s.lang, 'no') }),
    ]
      .filter(Boolean)
      .join('; ');
    const text = t(s.lang, 'confirmSummary', { summary });
    return step.prompt(
      CONFIRM,
      ask(s.lang, 'confirm', text, t(s.lang, 'acceptYesNo'), [t(s.lang, 'confirmSend'), t(s.lang, 'cancelTicket')]),
    );
  }

  private async create(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const v = step.values as EscalationValues;
    if (step.result !== true) {
      setTriage(step.context, { state: 'closing' });
      await say(step.context, t(s.lang, 'ticketNotSent'));
      return step.endDialog({ kind: 'not-sent' } satisfies EscalationResult);
    }
    const conversationId = step.context.activity.conversation.id;
    s.escalations += 1;
    try {
      const { ticket } = await this.deps.tickets.create(
        {
          customer: { name: s.customer ?? v.name!, site: { address: v.address!, ...(await this.deps.site.coordinates(step.context)) } },
          contact: { name: v.name!, phone: v.phone! },
          equipment: { productLine: s.productLine!, model: s.model, serial: s.serial },
          faults: s.faultId ? [{ id: s.faultId, confidence: s.confidence }] : [],
          operatorWords: (s.description ?? '').slice(0, 10_000) || '(no description)',
          stepsTried: s.stepsTried.slice(-100),
          machineDown: v.machineDown!,
          source: 'bot',
          reference: `${step.context.activity.channelId}:${conversationId}`.slice(0, 200),
        },
        { role: 'bot', label: 'bot' },
        `bot:${conversationId}:${s.escalations}`.slice(0, 200),
      );
      await this.deps.site.opened(step.context, ticket);
      await this.deps.outcomes.record({
        conversationId,
        productLine: s.productLine,
        faultId: s.faultId,
        outcome: 'escalated',
        steps: s.stepsTried,
        ticketId: ticket.id,
      });
      // The ticket's own clocks: a machine that is down was given the tier's shorter ones.
      const h = promisedHours(ticket);
      const span = (hours: number) => (s.lang === 'zh' ? `${hours} 小时` : `${hours} ${hours === 1 ? 'hour' : 'hours'}`);
      const promise = t(s.lang, 'slaPromise', { respond: span(h.respond), onSite: span(h.on_site), fixed: span(h.fixed) });
      s.ticket = { id: ticket.id, number: ticket.number };
      setTriage(step.context, { state: 'ticket-created', ticket: { number: ticket.number } });
      await say(step.context, t(s.lang, 'ticketCreated', { number: ticket.number, promise }));
      // Not awaited on purpose: the ticket exists, so a failing endDialog must not reach
      // the catch below and tell the operator that the ticket failed.
      // eslint-disable-next-line @typescript-eslint/return-await
      return step.endDialog({ kind: 'ticket', number: ticket.number } satisfies EscalationResult);
    } catch {
      s.escalations -= 1;
      setTriage(step.context, { state: 'offer-person' });
      await say(step.context, t(s.lang, 'ticketFailed'));
      return step.endDialog({ kind: 'failed' } satisfies EscalationResult);
    }
  }
}
