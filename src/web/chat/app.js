// Web Chat against this server's own Direct Line endpoint: a token from /chat/token,
// then polling (no WebSocket), so the page needs nothing but this server. The upload
// button sends photos through Direct Line's upload; "Share my location" sends the
// browser's position as a `location` event, which the bot puts on the ticket.
(async function start() {
  const status = document.getElementById('status');
  const shareButton = document.getElementById('share-location');
  const zh = Boolean(navigator.language && navigator.language.startsWith('zh'));
  const say = (en, cn) => (zh ? cn : en);
  try {
    const res = await fetch('/chat/token', { method: 'POST' });
    if (!res.ok) throw new Error(`the assistant is not ready (${res.status}); reload in a moment`);
    const { token } = await res.json();
    const directLine = window.WebChat.createDirectLine({
      token,
      domain: `${window.location.origin}/v3/directline`,
      webSocket: false,
      pollingInterval: 500,
    });
    const store = window.WebChat.createStore();
    window.WebChat.renderWebChat(
      {
        directLine,
        store,
        userID: `user-${Math.random().toString(36).slice(2, 10)}`,
        locale: zh ? 'zh-CN' : 'en-US',
        styleOptions: { hideUploadButton: false, uploadAccept: 'image/jpeg,image/png,image/heic,image/heif,video/mp4', uploadMultiple: true, bubbleBorderRadius: 8, bubbleFromUserBorderRadius: 8, suggestedActionLayout: 'flow' },
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
                ? say('The browser was not allowed to share your position. Describe the site instead, e.g. "north gate of the Zhongjian site".', '浏览器未被允许共享位置。请描述现场，例如“中建工地北门”。')
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
