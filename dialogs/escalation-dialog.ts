import {
  ChoicePrompt,
  ComponentDialog,
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type FoundChoice,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { phoneNumber } from '../src/tickets/model.js';
import { promisedHours } from '../src/tickets/sla.js';
import type { TriageDeps } from './deps.js';
import { t } from './messages.js';
import { choiceOptions, message, say } from './say.js';
import { session } from './session.js';

export const ESCALATE = 'escalate';
const FLOW = 'escalate-flow';
const ADDRESS = 'escalate-address';
const NAME = 'escalate-name';
const PHONE = 'escalate-phone';
const CHOICE = 'escalate-choice';

interface EscalationValues {
  reason: string;
  address?: string;
  name?: string;
  phone?: string;
  machineDown?: boolean;
}

const hasLetters = (s: string) => /[\p{L}]/u.test(s);

/**
 * Collects what a technician needs (site, contact, machine down?), confirms a summary
 * and opens the dispatch ticket. The idempotency key is the conversation and the
 * escalation's number, so a retried turn never opens a second ticket.
 */
export class EscalationDialog extends ComponentDialog {
  constructor(private readonly deps: TriageDeps) {
    super(ESCALATE);
    this.addDialog(new TextPrompt(ADDRESS, async (p: PromptValidatorContext<string>) => {
      const v = p.recognized.value?.trim() ?? '';
      return p.recognized.succeeded && v.length >= 5 && v.length <= 500 && hasLetters(v);
    }));
    this.addDialog(new TextPrompt(NAME, async (p: PromptValidatorContext<string>) => {
      const v = p.recognized.value?.trim() ?? '';
      return p.recognized.succeeded && v.length >= 1 && v.length <= 100 && hasLetters(v);
    }));
    this.addDialog(new TextPrompt(PHONE, async (p: PromptValidatorContext<string>) => p.recognized.succeeded && phoneNumber.safeParse(p.recognized.value).success));
    this.addDialog(new ChoicePrompt(CHOICE));
    this.addDialog(
      new WaterfallDialog(FLOW, [this.address.bind(this), this.name.bind(this), this.phone.bind(this), this.down.bind(this), this.confirm.bind(this), this.create.bind(this)]),
    );
    this.initialDialogId = FLOW;
  }

  private async lang(step: WaterfallStepContext) {
    return (await session(this.deps.session, step.context)).lang;
  }

  private async address(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const lang = await this.lang(step);
    (step.values as EscalationValues).reason = (step.options as { reason?: string })?.reason ?? 'escalated';
    await say(step.context, t(lang, 'escalateIntro'));
    return step.prompt(ADDRESS, { prompt: message(t(lang, 'askAddress')), retryPrompt: message(t(lang, 'badAddress')) });
  }

  private async name(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const lang = await this.lang(step);
    (step.values as EscalationValues).address = String(step.result).trim();
    return step.prompt(NAME, { prompt: message(t(lang, 'askName')), retryPrompt: message(t(lang, 'badName')) });
  }

  private async phone(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const lang = await this.lang(step);
    (step.values as EscalationValues).name = String(step.result).trim();
    return step.prompt(PHONE, { prompt: message(t(lang, 'askPhone')), retryPrompt: message(t(lang, 'badPhone')) });
  }

  private async down(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const lang = await this.lang(step);
    (step.values as EscalationValues).phone = phoneNumber.parse(step.result);
    return step.prompt(CHOICE, choiceOptions(t(lang, 'askDown'), yesNo(lang), t(lang, 'didNotUnderstandChoice')));
  }

  private async confirm(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const v = step.values as EscalationValues;
    v.machineDown = (step.result as FoundChoice).index === 0;
    const fault = s.faultId ? this.deps.kb.faultsById.get(s.faultId) : undefined;
    const line = this.deps.kb.policy.product_lines.find((l) => l.code === s.productLine);
    const summary = [
      [line?.name[s.lang], s.model].filter(Boolean).join(' '),
      fault?.title[s.lang],
      v.address,
      `${v.name} ${v.phone}`,
      t(s.lang, 'summaryDown', { answer: v.machineDown ? t(s.lang, 'yes') : t(s.lang, 'no') }),
    ]
      .filter(Boolean)
      .join('; ');
    return step.prompt(
      CHOICE,
      choiceOptions(t(s.lang, 'confirmSummary', { summary }), [t(s.lang, 'confirmSend'), t(s.lang, 'cancelTicket')], t(s.lang, 'didNotUnderstandChoice')),
    );
  }

  private async create(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const s = await session(this.deps.session, step.context);
    const v = step.values as EscalationValues;
    if ((step.result as FoundChoice).index !== 0) {
      await say(step.context, t(s.lang, 'ticketNotSent'));
      return step.endDialog({ kind: 'not-sent' });
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
      await say(step.context, t(s.lang, 'ticketCreated', { number: ticket.number, promise }));
      // Not awaited on purpose: the ticket exists, so a failing endDialog must not reach
      // the catch below and tell the operator that the ticket failed.
      // eslint-disable-next-line @typescript-eslint/return-await
      return step.endDialog({ kind: 'ticket', number: ticket.number });
    } catch {
      s.escalations -= 1;
      await say(step.context, t(s.lang, 'ticketFailed'));
      return step.endDialog({ kind: 'failed' });
    }
  }
}

function yesNo(lang: 'en' | 'zh') {
  return [
    { value: t(lang, 'yes'), synonyms: ['yes', 'y', 'yeah', 'yep', 'down', '是', '是的', '对', '停机了'] },
    { value: t(lang, 'no'), synonyms: ['no', 'n', 'nope', 'not down', '否', '不是', '没有', '还能用'] },
  ];
}
