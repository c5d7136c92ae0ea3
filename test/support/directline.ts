/**
 * A conversation with the bot through the local Direct Line endpoint, as a client sees
 * it. Turns may be posted to and read from different servers sharing one store.
 */
export async function openChat(base: string) {
  const { token, conversationId } = (await (await fetch(`${base}/chat/token`, { method: 'POST' })).json()) as {
    token: string;
    conversationId: string;
  };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers });
  let watermark = 0;
  return {
    conversationId,
    /** Sends one message; returns the bot's replies, each with its buttons as [title]. */
    async say(text: string, at: { postTo?: string; readFrom?: string } = {}): Promise<string> {
      const posted = await fetch(`${at.postTo ?? base}/v3/directline/conversations/${conversationId}/activities`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: 'message', text, from: { id: 'operator' } }),
      });
      if (posted.status !== 200) throw new Error(`posting "${text}" answered ${posted.status}`);
      const page = (await (
        await fetch(`${at.readFrom ?? at.postTo ?? base}/v3/directline/conversations/${conversationId}/activities?watermark=${watermark}`, {
          headers,
        })
      ).json()) as {
        activities: { type: string; text?: string; from: { role?: string }; suggestedActions?: { actions: { title: string }[] } }[];
        watermark: string;
      };
      watermark = Number(page.watermark);
      return page.activities
        .filter((a) => a.type === 'message' && a.from.role === 'bot')
        .map((a) => [a.text, ...(a.suggestedActions?.actions.map((x) => `[${x.title}]`) ?? [])].join(' '))
        .join('\n');
    },
  };
}
