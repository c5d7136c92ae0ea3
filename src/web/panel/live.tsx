import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { HandoffDetail, HandoffList, HandoffMessage, HandoffMessages, HandoffSummary } from '../../api/handoffs.js';
import type { MeResponse } from '../../api/responses.js';
import { ApiError, type Api } from '../shared/api.js';
import { clockTime, duration } from '../shared/format.js';
import type { Lang } from '../shared/i18n.js';
import { useSecondTick } from '../shared/ui.js';
import type { PanelT } from './app.js';
import { LiveLine, type LineState, type LiveEvent } from './live-line.js';
import { LivePhotos } from './live-photos.js';

/**
 * Live chats in the call-center panel: the queue of conversations the bot handed over
 * (new ones appear without a reload, with a sound and a visual cue and their waiting
 * time), claiming one, its transcript with what the bot knew, replying in the operator's
 * conversation with typing indicators both ways, handing it back to the bot or closing
 * it, and opening a ticket from it (the call view's form, prefilled and linked to the
 * conversation, so the operator hears about the ticket). The server decides everything
 * (who holds a chat, what reaches the operator); this view shows it and asks.
 */

const PAGE = 25;
/** How long "the operator is typing" shows after their last typing indicator. */
const TYPING_SHOWN_MS = 6000;
/** The agent's own typing is sent at most this often (the server passes it on at most every 2 s anyway). */
const TYPING_EVERY_MS = 1500;

/** A line of the chat as the view shows it: the conversation with the bot, then everything since the handoff. */
interface Line {
  key: string;
  from: 'operator' | 'bot' | 'agent';
  author?: string;
  text: string;
  at: string;
  before: boolean;
}

export interface ChatForTicket {
  detail: HandoffDetail;
  /** What the operator wrote, oldest first. */
  words: string;
}

export function LiveDesk(props: {
  t: PanelT;
  lang: Lang;
  api: Api;
  apiKey: string;
  me: MeResponse | null;
  hidden: boolean;
  onWaiting: (count: number, cue: boolean) => void;
  onOpenTicket: (chat: ChatForTicket) => void;
  onError: (err: unknown) => void;
  onRefused: () => void;
  announce: (message: string) => void;
}) {
  const { t, api, lang } = props;
  const [waiting, setWaiting] = useState<HandoffSummary[]>([]);
  const [waitingTotal, setWaitingTotal] = useState(0);
  const [held, setHeld] = useState<HandoffSummary[]>([]);
  const [limit, setLimit] = useState(PAGE);
  const [lineState, setLineState] = useState<LineState>('connecting');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [detail, setDetail] = useState<HandoffDetail | null>(null);
  const [messages, setMessages] = useState<HandoffMessage[]>([]);
  const [draft, setDraft] = useState('');
  const [typingUntil, setTypingUntil] = useState(0);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [unread, setUnread] = useState<ReadonlyMap<string, number>>(new Map());
  const [cues, setCues] = useState(0);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState({ text: '', kind: 'ok' as 'ok' | 'bad' });

  // What async work reads (answers arrive after the render that asked).
  const selected = useRef<string | null>(null);
  const cursor = useRef('0');
  const reading = useRef<Promise<void>>(Promise.resolve());
  const seen = useRef<Set<string> | null>(null);
  const line = useRef<LiveLine | null>(null);
  const lastTyping = useRef(0);
  const focusReply = useRef(false);
  const limitRef = useRef(limit);
  limitRef.current = limit;
  const propsRef = useRef(props);
  propsRef.current = props;
  const heldRef = useRef(held);
  heldRef.current = held;

  const mine = (h: { status: string; claimedBy?: string }) => h.status === 'claimed' && !!props.me?.label && h.claimedBy === props.me.label;

  /** A refused action says why in the chat (a 409 names who holds it, or that it closed); a lost key signs out. */
  const fail = (err: unknown) => {
    const e = ApiError.from(err);
    if (e.kind === 'unauthorized' || e.kind === 'aborted') return propsRef.current.onError(e);
    setNote({ text: e.message, kind: 'bad' });
  };

  /** Both lists; a chat that was not there before is new: the cue sounds and the row is marked. */
  const loadQueue = async () => {
    try {
      const [open, claimed] = await Promise.all([
        api.request<HandoffList>(`/api/handoffs?status=open&limit=${limitRef.current}`),
        api.request<HandoffList>('/api/handoffs?status=claimed&limit=100'),
      ]);
      setWaiting(open.handoffs);
      setWaitingTotal(open.total);
      setHeld(claimed.handoffs);
      const before = seen.current;
      const arrived = before ? open.handoffs.filter((h) => !before.has(h.id)).map((h) => h.id) : [];
      seen.current = new Set([...(before ?? []), ...open.handoffs.map((h) => h.id)]);
      if (arrived.length) {
        setFresh((f) => new Set([...f, ...arrived]));
        setCues((n) => n + 1);
        chime();
        propsRef.current.announce(t('msgNewChat'));
      }
      propsRef.current.onWaiting(open.total, arrived.length > 0);
    } catch (err) {
      fail(err);
    }
  };

  /** The selected chat's messages after the cursor; one read at a time, so nothing is shown twice. */
  const loadMessages = (id: string) => {
    reading.current = reading.current.then(async () => {
      if (selected.current !== id) return;
      try {
        const page = await api.request<HandoffMessages>(`/api/handoffs/${id}/messages?after=${cursor.current}`);
        if (selected.current !== id) return;
        cursor.current = page.cursor;
        if (page.messages.length) {
          setMessages((m) => [...m, ...page.messages.filter((x) => !m.some((y) => y.cursor === x.cursor))]);
          if (page.messages.some((x) => x.from === 'operator')) setTypingUntil(0);
        }
      } catch (err) {
        fail(err);
      }
    });
    return reading.current;
  };

  const loadDetail = async (id: string) => {
    try {
      const d = await api.request<HandoffDetail>(`/api/handoffs/${id}`);
      if (selected.current === id) setDetail(d);
    } catch (err) {
      fail(err);
    }
  };

  const onEvent = (event: LiveEvent) => {
    if (event.type === 'queue') return void loadQueue();
    if (event.type === 'resync') {
      void loadQueue();
      if (selected.current) void (loadDetail(selected.current), loadMessages(selected.current));
      return;
    }
    if (event.type !== 'handoff') return;
    if (event.kind === 'status') {
      void loadQueue();
      if (event.id === selected.current) void loadDetail(event.id);
      return;
    }
    if (event.id !== selected.current) {
      if (event.kind === 'messages') setUnread((u) => new Map(u).set(event.id, (u.get(event.id) ?? 0) + 1));
      return;
    }
    if (event.kind === 'messages') void loadMessages(event.id);
    else if (event.from === 'operator') setTypingUntil(Date.now() + TYPING_SHOWN_MS);
  };
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  // One line per signed-in key, for as long as the panel is open (the queue cues sound on the call view too).
  useEffect(() => {
    const l = new LiveLine(
      props.apiKey,
      (e) => onEventRef.current(e),
      setLineState,
      () => propsRef.current.onRefused(),
    );
    line.current = l;
    void loadQueue();
    // A safety net for a hint lost on the way: the queue is read again every half minute.
    const timer = setInterval(() => void loadQueue(), 30_000);
    return () => {
      clearInterval(timer);
      l.close();
      line.current = null;
    };
  }, [props.apiKey]);

  // The line watches the selected chat and the chats this agent holds (for their unread counts).
  const watchKey = [selectedId, ...held.filter(mine).map((h) => h.id)].filter(Boolean).join(',');
  useEffect(() => {
    line.current?.watch(watchKey ? watchKey.split(',') : []);
  }, [watchKey, lineState]);

  const open = (id: string) => {
    selected.current = id;
    cursor.current = '0';
    setSelectedId(id);
    setDetail(null);
    setMessages([]);
    setDraft('');
    setTypingUntil(0);
    setNote({ text: '', kind: 'ok' });
    setFresh((f) => {
      const next = new Set(f);
      next.delete(id);
      return next;
    });
    setUnread((u) => {
      const next = new Map(u);
      next.delete(id);
      return next;
    });
    void loadDetail(id);
    void loadMessages(id);
  };

  const act = async (what: () => Promise<unknown>, done: string) => {
    if (busy) return;
    setBusy(true);
    setNote({ text: '', kind: 'ok' });
    try {
      await what();
      setNote({ text: done, kind: 'ok' });
      propsRef.current.announce(done);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
      if (selected.current) await loadDetail(selected.current);
      await loadQueue();
    }
  };

  const claim = (id: string) =>
    act(async () => {
      await api.request<HandoffSummary>(`/api/handoffs/${id}/claim`, { method: 'POST' });
      // The claim button goes away; the reply box appears once the chat reads as held.
      focusReply.current = true;
    }, t('msgClaimed'));
  const release = (id: string, to: 'bot' | 'closed') =>
    act(
      () => api.request<HandoffSummary>(`/api/handoffs/${id}/release`, { method: 'POST', body: { to } }),
      to === 'bot' ? t('msgReleased') : t('msgClosed'),
    );

  const send = async () => {
    const id = selected.current;
    const text = draft.trim();
    if (!id || !text || busy) return;
    setBusy(true);
    try {
      const sent = await api.request<HandoffMessage>(`/api/handoffs/${id}/messages`, { method: 'POST', body: { text } });
      setDraft('');
      setNote({ text: '', kind: 'ok' });
      if (selected.current === id) setMessages((m) => (m.some((x) => x.cursor === sent.cursor) ? m : [...m, sent]));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
      requestAnimationFrame(() => document.getElementById('live-reply')?.focus());
    }
  };

  const onDraft = (value: string) => {
    setDraft(value);
    const id = selected.current;
    const now = Date.now();
    if (id && value.trim() && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      line.current?.typing(id);
    }
  };

  const openTicket = () => {
    if (!detail) return;
    const words = [
      ...detail.transcript.filter((l) => l.from === 'user').map((l) => l.text),
      ...messages.filter((m) => m.from === 'operator').map((m) => m.text),
    ].join('\n');
    props.onOpenTicket({ detail, words });
  };

  // The newest line stays in view.
  useLayoutEffect(() => {
    const box = document.getElementById('live-transcript');
    if (box) box.scrollTop = box.scrollHeight;
  }, [messages.length, detail?.id]);

  const lines: Line[] = detail
    ? [
        ...detail.transcript.map((l, i) => ({
          key: `t${i}`,
          from: l.from === 'user' ? ('operator' as const) : ('bot' as const),
          text: l.text,
          at: l.at,
          before: true,
        })),
        // The bot's "handing you over" is kept on both sides of the handoff: shown once.
        ...messages
          .filter((m, i) => !(i === 0 && m.from === 'bot' && m.text === detail.transcript.at(-1)?.text))
          .map((m) => ({ key: `m${m.cursor}`, from: m.from, author: m.author, text: m.text, at: m.at, before: false })),
      ]
    : [];
  const holding = detail ? mine(detail) : false;
  useEffect(() => {
    if (!holding || !focusReply.current) return;
    focusReply.current = false;
    document.getElementById('live-reply')?.focus();
  }, [holding]);
  const admin = props.me?.role === 'admin';
  const operatorTyping = typingUntil > Date.now();

  return (
    <div id="live" class="workspace live" hidden={props.hidden}>
      <section class="pane live-queue" aria-labelledby="live-queue-title">
        <h2 id="live-queue-title" class="pane-title">
          {t('liveQueueTitle')}
        </h2>
        <p class={`live-line-state ${lineState}`} role="status">
          {lineState === 'open' ? '' : t('liveOffline')}
        </p>
        <Queue
          t={t}
          lang={lang}
          title={t('liveWaiting', { count: waitingTotal })}
          id="live-waiting"
          items={waiting}
          empty={t('liveEmpty')}
          selectedId={selectedId}
          fresh={fresh}
          unread={unread}
          cues={cues}
          onOpen={open}
        />
        {waitingTotal > waiting.length ? (
          <button
            type="button"
            id="live-more"
            class="secondary"
            onClick={() => (setLimit((n) => n + PAGE), (limitRef.current += PAGE), void loadQueue())}
          >
            {t('liveMore')}
          </button>
        ) : null}
        <Queue
          t={t}
          lang={lang}
          title={t('liveHeld', { count: held.length })}
          id="live-held"
          items={held}
          empty={t('liveNoneHeld')}
          selectedId={selectedId}
          fresh={fresh}
          unread={unread}
          mine={mine}
          onOpen={open}
        />
      </section>

      <section class="pane live-chat" aria-labelledby="live-chat-title">
        <h2 id="live-chat-title" class="pane-title">
          {detail ? t('liveChatTitle', { channel: detail.channel, language: detail.language }) : t('liveChatEmptyTitle')}
        </h2>
        {!selectedId ? <p class="empty">{t('livePick')}</p> : null}
        {detail ? (
          <>
            <p id="live-holder" class="live-holder">
              {detail.status === 'open'
                ? t('liveOpenSince', { time: duration(Date.now() - Date.parse(detail.createdAt), lang) })
                : detail.status === 'closed'
                  ? t('liveClosed')
                  : holding
                    ? t('liveMine')
                    : t('liveHeldBy', { agent: detail.claimedBy ?? '?' })}
            </p>
            <ol id="live-transcript" class="live-transcript" tabIndex={0} aria-label={t('liveTranscript')} aria-live="polite">
              {lines.map((l, i) => (
                <li key={l.key} class={`live-msg from-${l.from}${l.before ? ' before' : ''}`}>
                  {i > 0 && lines[i - 1]!.before && !l.before ? (
                    <p class="live-divider">{t('liveHandedOver', { time: clockTime(Date.parse(detail.createdAt)) })}</p>
                  ) : null}
                  <span class="live-who">
                    {t.dynamic(`liveFrom_${l.from}`)}
                    {l.author ? ` · ${l.author}` : ''} · {clockTime(Date.parse(l.at))}
                  </span>
                  <span class="live-text">{l.text}</span>
                </li>
              ))}
            </ol>
            <p id="live-typing" class="live-typing" aria-live="polite">
              {operatorTyping ? t('liveTyping') : ''}
            </p>
            {holding ? (
              <form
                class="live-compose"
                onSubmit={(e) => {
                  e.preventDefault();
                  void send();
                }}
              >
                <label for="live-reply">{t('liveReplyLabel')}</label>
                <textarea
                  id="live-reply"
                  rows={2}
                  maxLength={2000}
                  value={draft}
                  aria-describedby="live-reply-help"
                  onInput={(e) => onDraft((e.currentTarget as HTMLTextAreaElement).value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
                      e.preventDefault();
                      void send();
                    }
                  }}
                />
                <p id="live-reply-help" class="help">
                  {t('liveReplyHelp')}
                </p>
                <button type="submit" id="live-send" disabled={busy || !draft.trim()}>
                  {t('liveSend')}
                </button>
              </form>
            ) : null}
            <div class="live-actions">
              {detail.status === 'open' || (detail.status === 'claimed' && !holding && admin) ? (
                <button type="button" id="live-claim" disabled={busy} onClick={() => void claim(detail.id)}>
                  {detail.status === 'open' ? t('liveClaim') : t('liveTakeOver')}
                </button>
              ) : null}
              {holding ? (
                <>
                  <button type="button" id="live-ticket" class="secondary" disabled={busy} onClick={openTicket}>
                    {t('liveTicket')}
                  </button>
                  <button type="button" id="live-to-bot" class="secondary" disabled={busy} onClick={() => void release(detail.id, 'bot')}>
                    {t('liveToBot')}
                  </button>
                  <button type="button" id="live-close" class="danger" disabled={busy} onClick={() => void release(detail.id, 'closed')}>
                    {t('liveClose')}
                  </button>
                </>
              ) : null}
            </div>
            <p id="live-note" class={`action-msg ${note.text ? note.kind : ''}`} role="status">
              {note.text}
            </p>
          </>
        ) : null}
      </section>

      <section class="pane live-facts" aria-labelledby="live-facts-title">
        <h2 id="live-facts-title" class="pane-title">
          {t('liveDetails')}
        </h2>
        {detail ? <Facts t={t} detail={detail} /> : <p class="empty">{t('livePick')}</p>}
        {detail && <LivePhotos t={t} api={api} handoffId={detail.id} refreshKey={messages.length} onError={props.onError} />}
      </section>
    </div>
  );
}

function Queue(props: {
  t: PanelT;
  lang: Lang;
  title: string;
  id: string;
  items: HandoffSummary[];
  empty: string;
  selectedId: string | null;
  fresh: ReadonlySet<string>;
  unread: ReadonlyMap<string, number>;
  cues?: number;
  mine?: (h: HandoffSummary) => boolean;
  onOpen: (id: string) => void;
}) {
  useSecondTick();
  const { t, lang } = props;
  return (
    <>
      <h3 class="live-queue-head">{props.title}</h3>
      {props.items.length === 0 ? <p class="empty">{props.empty}</p> : null}
      <ul id={props.id} class="live-list" data-cues={props.cues}>
        {props.items.map((h) => {
          const firstWords = h.transcript.find((l) => l.from === 'user')?.text ?? h.reason;
          const waited = h.status === 'open' ? Date.now() - Date.parse(h.createdAt) : h.waitedSeconds * 1000;
          const n = props.unread.get(h.id) ?? 0;
          return (
            <li key={h.id}>
              <button
                type="button"
                class={`live-item${props.selectedId === h.id ? ' selected' : ''}${props.fresh.has(h.id) ? ' new' : ''}${h.priority === 'urgent' ? ' urgent' : ''}`}
                aria-current={props.selectedId === h.id ? 'true' : undefined}
                data-id={h.id}
                onClick={() => props.onOpen(h.id)}
              >
                <span class="live-item-top">
                  {h.priority === 'urgent' ? <span class="badge bad">{t('liveUrgent')}</span> : null}
                  {h.productLine ? <span class="badge">{h.productLine}</span> : null}
                  <span class="badge">{h.language}</span>
                  <span class="live-wait">
                    {h.status === 'open'
                      ? t('liveWaited', { time: duration(waited, lang) })
                      : props.mine?.(h)
                        ? t('liveYours')
                        : (h.claimedBy ?? '')}
                  </span>
                  {n ? <span class="badge unread">{t('liveUnread', { count: n })}</span> : null}
                </span>
                <span class="live-item-words">{firstWords}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Facts({ t, detail }: { t: PanelT; detail: HandoffDetail }) {
  const rows: [string, string][] = [
    [t('liveLine'), detail.productLine ?? '—'],
    [t('liveFault'), detail.faultId ?? '—'],
    [t('liveLanguage'), detail.language],
    [t('liveReason'), detail.reason],
    [t('liveCallback'), detail.callbackPhone ?? '—'],
  ];
  return (
    <div id="live-facts">
      <dl class="live-dl">
        {rows.map(([k, v]) => (
          <>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </>
        ))}
      </dl>
      <h3>{t('liveSteps')}</h3>
      {detail.stepsTried.length ? (
        <ul id="live-steps">
          {detail.stepsTried.map((s, i) => (
            <li key={i}>
              {s.step} — {t.dynamic(`liveStep_${s.result}`)}
            </li>
          ))}
        </ul>
      ) : (
        <p class="empty">—</p>
      )}
      <h3>{t('liveTickets')}</h3>
      {detail.tickets.length ? (
        <ul id="live-tickets">
          {detail.tickets.map((k) => (
            <li key={k.id}>
              {k.number} · {t.dynamic(`liveSt_${k.status}`)}
            </li>
          ))}
        </ul>
      ) : (
        <p class="empty">—</p>
      )}
    </div>
  );
}

/** The new-chat cue: a short two-tone chime from Web Audio (no sound file to fetch); silent where audio is not allowed yet. */
let audio: AudioContext | undefined;
function chime(): void {
  try {
    audio ??= new AudioContext();
    const ctx = audio;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      const at = ctx.currentTime + i * 0.15;
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.14);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.15);
    }
  } catch {
    /* no audio: the visual cue stays */
  }
}
