// Web Chat against this server's own Direct Line endpoint, streaming: the conversation's
// streamUrl WebSocket pushes every reply (and an agent's messages, and ticket updates) the
// moment it is stored; posting goes over HTTP as Direct Line 3.0 does. The upload button
// sends photos through Direct Line's upload; "Share my location" sends the browser's
// position as a `location` event, which the bot puts on the ticket.
//
// Resume: phones drop tabs when the operator switches to the dialler or the camera. The
// conversation (id, token, user id) is kept in this tab's session storage; a reload
// refreshes the token and reconnects to the same conversation, which replays its history
// from the start (the page's own Web Chat store is empty after a reload), and Web Chat
// goes on from its watermark after that: when the socket drops it reconnects with
// GET /conversations/:id?watermark=… and receives only what it has not seen.
const KEPT = 'triage-chat-conversation';

/** The kept conversation if its token is still good (refreshed, so it lives another day), else nothing. */
async function resumable() {
  let kept;
  try {
    kept = JSON.parse(sessionStorage.getItem(KEPT) ?? 'null');
  } catch {
    kept = null;
  }
  if (!kept || typeof kept.token !== 'string' || typeof kept.conversationId !== 'string' || typeof kept.userId !== 'string')
    return undefined;
  const res = await fetch('/v3/directline/tokens/refresh', { method: 'POST', headers: { Authorization: `Bearer ${kept.token}` } }).catch(
    () => undefined,
  );
  if (!res || !res.ok) {
    // Expired or unknown (a day without a visit, another deployment): start afresh.
    sessionStorage.removeItem(KEPT);
    return undefined;
  }
  const { token, conversationId } = await res.json();
  return conversationId === kept.conversationId ? { ...kept, token } : undefined;
}

/** A random user id (getRandomValues, unlike randomUUID, works on plain http too, e.g. a LAN address). */
function newUserId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `user-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

(async function start() {
  const status = document.getElementById('status');
  const shareButton = document.getElementById('share-location');
  const zh = Boolean(navigator.language && navigator.language.startsWith('zh'));
  const say = (en, cn) => (zh ? cn : en);
  try {
    const kept = await resumable();
    let conversation = kept;
    if (!conversation) {
      const res = await fetch('/chat/token', { method: 'POST' });
      if (!res.ok) throw new Error(`the assistant is not ready (${res.status}); reload in a moment`);
      const { token, conversationId } = await res.json();
      conversation = { token, conversationId, userId: newUserId() };
    }
    sessionStorage.setItem(KEPT, JSON.stringify(conversation));
    const directLine = window.WebChat.createDirectLine({
      token: conversation.token,
      domain: `${window.location.origin}/v3/directline`,
      // A new conversation is started (and greeted) by POST /conversations; a kept one is rejoined by its id.
      ...(kept ? { conversationId: kept.conversationId } : {}),
      webSocket: true,
    });
    const store = window.WebChat.createStore();
    window.WebChat.renderWebChat(
      {
        directLine,
        store,
        userID: conversation.userId,
        // While a person holds the chat, they see the operator typing (the bot ignores it).
        sendTypingIndicator: true,
        locale: zh ? 'zh-CN' : 'en-US',
        styleOptions: {
          hideUploadButton: false,
          uploadAccept: 'image/jpeg,image/png,image/heic,image/heif,video/mp4',
          uploadMultiple: true,
          bubbleBorderRadius: 8,
          bubbleFromUserBorderRadius: 8,
          suggestedActionLayout: 'flow',
        },
      },
      document.getElementById('webchat'),
    );
    document.querySelector('#webchat input, #webchat textarea')?.focus();

    if (!('geolocation' in navigator)) {
      shareButton.hidden = true;
    } else {
      shareButton.addEventListener('click', () => {
        shareButton.disabled = true;
        status.textContent = say('Finding your position…', '正在获取您的位置…');
        navigator.geolocation.getCurrentPosition(
          (pos) => {
            shareButton.disabled = false;
            status.textContent = '';
            const value = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy };
            store.dispatch({ type: 'WEB_CHAT/SEND_EVENT', payload: { name: 'location', value } });
          },
          (err) => {
            shareButton.disabled = false;
            status.textContent =
              err.code === err.PERMISSION_DENIED
                ? say(
                    'The browser was not allowed to share your position. Describe the site instead, e.g. "north gate of the Zhongjian site".',
                    '浏览器未被允许共享位置。请描述现场，例如“中建工地北门”。',
                  )
                : say('Your position could not be found; describe the site instead.', '无法获取您的位置，请描述现场。');
          },
          { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
        );
      });
    }
  } catch (err) {
    status.textContent = `Cannot start the chat: ${err.message}`;
  }
})();
