// Web Chat against this server's own Direct Line endpoint: a token from /chat/token,
// then polling (no WebSocket), so the page needs nothing but this server.
(async function start() {
  const status = document.getElementById('status');
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
    window.WebChat.renderWebChat(
      {
        directLine,
        userID: `user-${Math.random().toString(36).slice(2, 10)}`,
        locale: navigator.language && navigator.language.startsWith('zh') ? 'zh-CN' : 'en-US',
        styleOptions: { hideUploadButton: true, bubbleBorderRadius: 8, bubbleFromUserBorderRadius: 8, suggestedActionLayout: 'flow' },
      },
      document.getElementById('webchat'),
    );
    document.querySelector('#webchat input, #webchat textarea')?.focus();
  } catch (err) {
    status.textContent = `Cannot start the chat: ${err.message}`;
  }
})();
