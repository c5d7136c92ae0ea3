import { isIP } from 'node:net';

/**
 * Hosts of the Bot Framework's own channel services (public, US Government and China
 * clouds, and Teams' service URLs), to which a bot with credentials may reply.
 */
export const BOT_FRAMEWORK_HOSTS = [
  '*.botframework.com',
  'smba.trafficmanager.net',
  '*.botframework.azure.us',
  '*.botframework.azure.cn',
  'smba.infra.gcc.teams.microsoft.com',
  'smba.infra.gov.teams.microsoft.us',
  'smba.infra.dod.teams.microsoft.us',
] as const;

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback, as a socket or URL names them. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (a === '::1' || a === 'localhost') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

const matches = (pattern: string, host: string) =>
  pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern;

export interface ServiceUrlPolicy {
  /** Whether the bot may send to this URL. */
  allows(url: string): boolean;
  /** What is allowed, for the start-up log. */
  describe(): string;
}

/**
 * Where the bot may send its replies (an activity's serviceUrl). With Bot Framework
 * credentials: the framework's hosts over https, plus the configured ones. Without them
 * (local development): loopback URLs only (the Emulator), plus the configured ones.
 * The URL's host is compared after WHATWG parsing, so 2130706433 is 127.0.0.1 and
 * "botframework.com.evil.example" is not a Bot Framework host.
 */
export function serviceUrlPolicy(opts: { authenticated: boolean; extraHosts?: readonly string[] }): ServiceUrlPolicy {
  const extra = (opts.extraHosts ?? []).map((h) => h.trim().toLowerCase()).filter(Boolean);
  const hosts = [...(opts.authenticated ? BOT_FRAMEWORK_HOSTS : []), ...extra];
  return {
    allows(url: string): boolean {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        return false;
      }
      if (u.username || u.password) return false;
      const host = u.hostname.toLowerCase();
      const loopback = isLoopbackAddress(host);
      // Plain http only on the machine itself; anything that crosses a network uses TLS.
      if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) return false;
      if (!opts.authenticated && loopback) return true;
      return hosts.some((p) => matches(p, host));
    },
    describe: () => [...(opts.authenticated ? [] : ['loopback']), ...hosts].join(', '),
  };
}
