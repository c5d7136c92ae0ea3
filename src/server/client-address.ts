import { isIP } from 'node:net';
import type { Request } from 'restify';
import { isLoopbackAddress } from './service-urls.js';

/**
 * The address a request comes from, for rate limits and the loopback-only rule. The
 * socket's peer, unless that peer is a proxy we trust (TRUST_PROXY: addresses, or
 * "loopback"): then the rightmost X-Forwarded-For entry that is not itself a trusted proxy.
 * With no trusted proxy, X-Forwarded-For is ignored: anyone can write that header.
 */
export function clientAddressOf(trusted: readonly string[]) {
  const normal = (a: string) =>
    a
      .trim()
      .replace(/^::ffff:/, '')
      .toLowerCase();
  const trust = new Set(trusted.map(normal));
  const isTrusted = (a: string) => trust.has(normal(a)) || (trust.has('loopback') && isLoopbackAddress(a));
  return (req: Request): string => {
    const peer = req.socket.remoteAddress ?? 'unknown';
    if (trust.size === 0 || !isTrusted(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(normal(hop)) === 0) return peer; // not an address: the header is not to be believed
      if (!isTrusted(hop)) return hop;
    }
    return peer;
  };
}
