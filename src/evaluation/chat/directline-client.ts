import type { BotReply } from './checks.js';

/** How long to wait for the bot, in milliseconds. */
export interface WaitPolicy {
  /** Poll interval. */
  pollMs: number;
  /** After a reply that accepts input (but does not ask a question): quiet this long means the turn is over. */
  settleMs: number;
  /** Replies without an inputHint: quiet this long means the turn is over. */
  quietMs: number;
  /** Give up on a turn after this long. */
  turnTimeoutMs: number;
}

export const DEFAULT_WAIT: WaitPolicy = { pollMs: 50, settleMs: 250, quietMs: 1500, turnTimeoutMs: 60_000 };

interface DirectLineActivity {
  type: string;
  id?: string;
  text?: string;
  speak?: string;
  inputHint?: string;
  replyToId?: string;
  from?: { id?: string; role?: string };
  channelData?: { triage?: BotReply['triage'] };
  suggestedActions?: { actions?: { title?: string; value?: unknown }[] };
  attachments?: { contentType?: string; content?: { buttons?: { title?: string }[] } }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DirectLineError extends Error {
  override name = 'DirectLineError';
}

/**
 * One conversation with the bot over Direct Line 3.0, as a client such as Web Chat
 * holds it: start a conversation, post message activities, poll the activity set from
 * the last watermark. A message's replies are complete when the bot asks a question
 * (inputHint expectingInput), or has said something that accepts input and then
 * stayed quiet briefly, or has been quiet for longer (replies that carry no hint).
 */
export class DirectLineConversation {
  private watermark: string | undefined;
  private constructor(
    private readonly base: string,
    private readonly headers: Record<string, string>,
    readonly conversationId: string,
    private readonly userId: string,
    private readonly locale: string,
    private readonly wait: WaitPolicy,
  ) {}

  static async start(
    base: string,
    opts: { userId: string; locale: string; secret?: string; wait?: WaitPolicy },
  ): Promise<{ conversation: DirectLineConversation; greeting: BotReply[] }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.secret) headers.authorization = `Bearer ${opts.secret}`;
    const res = await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers });
    if (res.status !== 201 && res.status !== 200)
      throw new DirectLineError(`starting a conversation answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { conversationId: string; token?: string };
    if (body.token) headers.authorization = `Bearer ${body.token}`;
    const conversation = new DirectLineConversation(
      base,
      headers,
      body.conversationId,
      opts.userId,
      opts.locale,
      opts.wait ?? DEFAULT_WAIT,
    );
    const greeting = await conversation.collect();
    return { conversation, greeting };
  }

  /** Sends one message and returns the bot's message replies to it. */
  async send(text: string): Promise<BotReply[]> {
    const res = await fetch(`${this.base}/v3/directline/conversations/${encodeURIComponent(this.conversationId)}/activities`, {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify({
        type: 'message',
        text,
        locale: this.locale,
        textFormat: 'plain',
        from: { id: this.userId, name: this.userId, role: 'user' },
      }),
    });
    if (res.status !== 200)
      throw new DirectLineError(`posting "${text.slice(0, 60)}" answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return this.collect();
  }

  /** Polls from the watermark until the bot's replies are complete (see the class comment). */
  private async collect(): Promise<BotReply[]> {
    const replies: BotReply[] = [];
    const started = Date.now();
    let lastNews = Date.now();
    for (;;) {
      const fresh = await this.poll();
      if (fresh.length > 0) lastNews = Date.now();
      replies.push(...fresh);
      const last = replies[replies.length - 1];
      const quiet = Date.now() - lastNews;
      if (last?.inputHint === 'expectingInput') return replies;
      if (last?.inputHint === 'acceptingInput' && quiet >= this.wait.settleMs) return replies;
      if (last && quiet >= this.wait.quietMs) return replies;
      if (Date.now() - started >= this.wait.turnTimeoutMs) return replies;
      await sleep(this.wait.pollMs);
    }
  }

  private async poll(): Promise<BotReply[]> {
    const query = this.watermark === undefined ? '' : `?watermark=${encodeURIComponent(this.watermark)}`;
    const res = await fetch(`${this.base}/v3/directline/conversations/${encodeURIComponent(this.conversationId)}/activities${query}`, {
      headers: this.headers,
    });
    if (res.status !== 200) throw new DirectLineError(`reading activities answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const page = (await res.json()) as { activities: DirectLineActivity[]; watermark?: string };
    if (page.watermark !== undefined) this.watermark = page.watermark;
    return page.activities.filter((a) => a.type === 'message' && a.from?.id !== this.userId && a.from?.role !== 'user').map(toReply);
  }
}

function toReply(a: DirectLineActivity): BotReply {
  const buttons = [
    ...(a.suggestedActions?.actions ?? []).map((x) => String(x.title ?? x.value ?? '')),
    ...(a.attachments ?? []).flatMap((att) => (att.content?.buttons ?? []).map((b) => String(b.title ?? ''))),
  ];
  return { text: a.text ?? '', speak: a.speak, inputHint: a.inputHint, triage: a.channelData?.triage, buttons };
}
