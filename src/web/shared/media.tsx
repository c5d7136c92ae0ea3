import { useEffect, useState } from 'preact/hooks';
import type { TicketMediaView } from '../../api/responses.js';
import type { Api } from './api.js';

/**
 * A ticket's photos and videos for staff pages: thumbnails fetched with the API key (an
 * <img> cannot send it) and shown from blob: URLs; a tap opens the full file the same
 * way. Items without a thumbnail (videos, HEVC HEIC) are a labelled button.
 */
export function MediaThumbs(props: {
  api: Api;
  ticketId: string;
  media: readonly TicketMediaView[];
  /** The image's text alternative, and the button's text for an item without a thumbnail. */
  label: (m: TicketMediaView) => string;
  onError: (e: unknown) => void;
}) {
  const { api, ticketId, media } = props;
  const [urls, setUrls] = useState<Record<string, string>>({});
  useEffect(() => {
    let alive = true;
    const made: string[] = [];
    void (async () => {
      for (const m of media) {
        if (!m.hasThumbnail) continue;
        try {
          const url = URL.createObjectURL(await api.mediaBlob(ticketId, m.id, true));
          made.push(url);
          if (alive) setUrls((u) => ({ ...u, [m.id]: url }));
        } catch {
          /* shown as a button instead */
        }
      }
    })();
    return () => {
      alive = false;
      made.forEach((u) => URL.revokeObjectURL(u));
    };
  }, [ticketId, media.map((m) => m.id).join()]);
  const openFull = async (id: string) => {
    try {
      window.open(URL.createObjectURL(await api.mediaBlob(ticketId, id, false)), '_blank', 'noopener');
    } catch (err) {
      props.onError(err);
    }
  };
  return (
    <ul class="media-thumbs">
      {media.map((m) => (
        <li key={m.id}>
          <button type="button" class="media-thumb" onClick={() => void openFull(m.id)}>
            {urls[m.id] ? <img src={urls[m.id]} alt={props.label(m)} /> : <span>{props.label(m)}</span>}
          </button>
        </li>
      ))}
    </ul>
  );
}
