import { useEffect, useRef, useState } from 'preact/hooks';
import type { TicketMediaView } from '../../api/responses.js';
import type { Api } from './api.js';

/** Where a page gets the bytes of one photo (or its thumbnail): a ticket's, or a live chat's. */
export type MediaSource = (mediaId: string, thumbnail: boolean) => Promise<Blob>;

export const ticketMediaSource =
  (api: Api, ticketId: string): MediaSource =>
  (id, thumbnail) =>
    api.mediaBlob(ticketId, id, thumbnail);

/**
 * Photos and videos for staff pages: thumbnails fetched with the API key (an <img>
 * cannot send it) and shown from blob: URLs; a tap opens the full photo (or plays the
 * video) in a modal dialog on the page — Esc or Close returns to the thumbnail. Items
 * without a thumbnail (videos, HEVC HEIC) are a labelled button.
 */
export function MediaThumbs(props: {
  source: MediaSource;
  /** Changes when the source does (a ticket id, a handoff id): the thumbnails are fetched again. */
  sourceKey: string;
  media: readonly TicketMediaView[];
  /** The image's text alternative, and the button's text for an item without a thumbnail. */
  label: (m: TicketMediaView) => string;
  closeLabel: string;
  onError: (e: unknown) => void;
}) {
  const { source, media } = props;
  const [urls, setUrls] = useState<Record<string, string>>({});
  const [full, setFull] = useState<{ m: TicketMediaView; url: string } | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    let alive = true;
    const made: string[] = [];
    void (async () => {
      for (const m of media) {
        if (!m.hasThumbnail) continue;
        try {
          const url = URL.createObjectURL(await source(m.id, true));
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
  }, [props.sourceKey, media.map((m) => m.id).join()]);
  useEffect(() => {
    if (full && dialog.current && !dialog.current.open) dialog.current.showModal();
  }, [full]);
  const close = () => {
    dialog.current?.close();
  };
  const onClosed = () => {
    if (full) URL.revokeObjectURL(full.url);
    setFull(null);
  };
  const openFull = async (m: TicketMediaView) => {
    try {
      setFull({ m, url: URL.createObjectURL(await source(m.id, false)) });
    } catch (err) {
      props.onError(err);
    }
  };
  return (
    <>
      <ul class="media-thumbs">
        {media.map((m) => (
          <li key={m.id}>
            <button type="button" class="media-thumb" onClick={() => void openFull(m)}>
              {urls[m.id] ? <img src={urls[m.id]} alt={props.label(m)} /> : <span>{props.label(m)}</span>}
            </button>
          </li>
        ))}
      </ul>
      <dialog ref={dialog} class="media-full" aria-label={full ? props.label(full.m) : undefined} onClose={onClosed}>
        {full && (
          <>
            <div class="media-full-head">
              <p>{props.label(full.m)}</p>
              <button type="button" class="secondary" onClick={close}>
                {props.closeLabel}
              </button>
            </div>
            {full.m.contentType.startsWith('video/') ? (
              <video src={full.url} controls aria-label={props.label(full.m)} />
            ) : full.m.contentType === 'image/heic' && !full.m.hasThumbnail ? (
              <p>
                <a href={full.url} download={full.m.name}>
                  {full.m.name}
                </a>
              </p>
            ) : (
              <img src={full.url} alt={props.label(full.m)} />
            )}
          </>
        )}
      </dialog>
    </>
  );
}
