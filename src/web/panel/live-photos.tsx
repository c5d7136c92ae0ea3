import { useEffect, useState } from 'preact/hooks';
import type { TicketMediaView } from '../../api/responses.js';
import type { Api } from '../shared/api.js';
import { MediaThumbs } from '../shared/media.js';
import type { PanelT } from './app.js';

/**
 * The photos and videos the operator sent in the selected live chat, as thumbnails with
 * the full view a tap away (before any ticket exists: they are the conversation's). Read
 * again when new messages arrive, since a photo comes as a message.
 */
export function LivePhotos(props: { t: PanelT; api: Api; handoffId: string; refreshKey: number; onError: (e: unknown) => void }) {
  const { t, api, handoffId } = props;
  const [media, setMedia] = useState<TicketMediaView[]>([]);
  useEffect(() => {
    let alive = true;
    api.handoffMedia(handoffId).then(
      (r) => alive && setMedia(r.media),
      () => alive && setMedia([]), // the chat itself still works
    );
    return () => {
      alive = false;
    };
  }, [handoffId, props.refreshKey]);
  if (media.length === 0) return null;
  return (
    <section aria-labelledby="live-photos-title" id="live-photos">
      <h3 id="live-photos-title">{t('livePhotos')}</h3>
      <MediaThumbs
        source={(id, thumbnail) => api.handoffMediaBlob(handoffId, id, thumbnail)}
        sourceKey={handoffId}
        media={media}
        label={(m) => m.name}
        closeLabel={t('mediaClose')}
        onError={props.onError}
      />
    </section>
  );
}
