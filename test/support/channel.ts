import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server standing in for a Bot Framework channel: the bot's replies, which
 * the adapter POSTs to the activity's serviceUrl, arrive here and are handed to `receive`
 * (the request's path and its JSON body); each is answered 200 with a reply id.
 */
export interface TestChannel {
  readonly serviceUrl: string;
  close(): void;
}

export async function startChannel(receive: (path: string, body: unknown) => void): Promise<TestChannel> {
  let replies = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      receive(req.url ?? '', JSON.parse(body || '{}'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `reply-${++replies}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    serviceUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/**
 * POSTs an activity to the server's /api/messages as the Bot Framework Emulator does: from
 * user-1 to bot-1 in `conversationId`, with the channel's serviceUrl for the replies.
 */
export function emulatorPost(
  base: string,
  serviceUrl: string,
  conversationId: string,
  activity: Record<string, unknown>,
): Promise<Response> {
  return fetch(`${base}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      channelId: 'emulator',
      serviceUrl,
      conversation: { id: conversationId },
      from: { id: 'user-1', name: 'Operator', role: 'user' },
      recipient: { id: 'bot-1', name: 'Bot', role: 'bot' },
      timestamp: new Date().toISOString(),
      ...activity,
    }),
  });
}
