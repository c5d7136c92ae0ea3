import { useEffect, useState } from 'preact/hooks';
import type { AssignmentSuggestions, MeResponse, TicketView, TranscriptResponse } from '../../api/responses.js';
import type { Api } from '../shared/api.js';
import { MediaThumbs, ticketMediaSource } from '../shared/media.js';
import { Time } from './parts.js';
import type { BoardT } from './app.js';

/**
 * What the board adds for field work on the selected ticket: technicians suggested for
 * it (trained for the line, near, not overloaded; a click fills the assign field), the
 * photos from the site, and the bot conversation it came from, one click away.
 */
export function FieldExtras(props: {
  t: BoardT;
  api: Api;
  me: MeResponse | null;
  ticket: TicketView;
  onPick: (technicianId: string) => void;
  onError: (e: unknown) => void;
}) {
  const { t, api, ticket } = props;
  const mayAssign = props.me?.role === 'dispatcher' || props.me?.role === 'admin';
  const [suggestions, setSuggestions] = useState<AssignmentSuggestions['suggestions'] | null>(null);
  const [transcript, setTranscript] = useState<TranscriptResponse | null>(null);
  const [transcriptOpen, setTranscriptOpen] = useState(false);

  useEffect(() => {
    setSuggestions(null);
    setTranscript(null);
    setTranscriptOpen(false);
    if (!mayAssign || !ticket.allowed.assign) return;
    let alive = true;
    api.request<AssignmentSuggestions>(`/api/tickets/${encodeURIComponent(ticket.id)}/technician-suggestions`).then(
      (r) => alive && setSuggestions(r.suggestions.slice(0, 5)),
      () => undefined, // the assign field still works by id
    );
    return () => {
      alive = false;
    };
  }, [ticket.id, ticket.allowed.assign, mayAssign]);

  const showTranscript = async () => {
    if (transcriptOpen) return setTranscriptOpen(false);
    try {
      setTranscript(transcript ?? (await api.request<TranscriptResponse>(`/api/tickets/${encodeURIComponent(ticket.id)}/transcript`)));
      setTranscriptOpen(true);
    } catch (err) {
      props.onError(err);
    }
  };

  const media = ticket.media ?? [];
  return (
    <>
      {suggestions && suggestions.length > 0 && (
        <section aria-labelledby="suggest-title" class="tech-suggestions">
          <h3 id="suggest-title">{t('suggestedTechs')}</h3>
          <ul>
            {suggestions.map((s) => (
              <li key={s.technicianId}>
                <button type="button" class="secondary" onClick={() => props.onPick(s.technicianId)}>
                  {`${s.technicianId} · ${s.name}`}
                </button>{' '}
                <span class="muted">
                  {[
                    s.skilled ? t('sgSkilled') : t('sgNotSkilled'),
                    s.distanceKm !== null ? t('sgKm', { km: s.distanceKm }) : s.inRegion ? t('sgRegion') : '',
                    t.plural('sgJobs', s.openJobs),
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {media.length > 0 && (
        <section aria-labelledby="media-title">
          <h3 id="media-title">{t('photos')}</h3>
          <MediaThumbs
            source={ticketMediaSource(api, ticket.id)}
            sourceKey={ticket.id}
            media={media}
            label={(m) => `${m.name} (${t.dynamic(`by_${m.by}`)})`}
            closeLabel={t('mediaClose')}
            onError={props.onError}
          />
        </section>
      )}
      {ticket.source === 'bot' && (
        <section aria-labelledby="conv-title">
          <h3 id="conv-title">{t('conversation')}</h3>
          <button
            type="button"
            id="show-transcript"
            class="secondary"
            aria-expanded={transcriptOpen ? 'true' : 'false'}
            aria-controls="transcript"
            onClick={() => void showTranscript()}
          >
            {transcriptOpen ? t('hideConversation') : t('showConversation')}
          </button>
          {transcriptOpen && transcript && (
            <ol id="transcript" class="transcript">
              {transcript.lines.map((l, i) => (
                <li key={i} class={`from-${l.from}`}>
                  <Time t={t} iso={l.at} /> <strong>{l.from === 'bot' ? t('fromBot') : t('fromOperator')}</strong>{' '}
                  <span class="transcript-text">{l.event ? t('sharedEvent', { name: l.event }) : l.text}</span>
                  {l.attachments.length > 0 && <span class="muted">{` ${t.plural('attachmentCount', l.attachments.length)}`}</span>}
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
    </>
  );
}
