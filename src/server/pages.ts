import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'restify';

/** Web pages live in src/web (plain HTML/JS/CSS, no build step) and are served from there. */
const WEB_DIR = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled code runs from dist/src/server; the assets stay in src/web.
  return here.includes('/dist/') ? join(here, '..', '..', '..', 'src', 'web') : join(here, '..', 'web');
})();

/** Microsoft's Web Chat ships a ready browser bundle in its npm package: served from here, no CDN. */
const WEBCHAT_BUNDLE = (() => {
  const entry = createRequire(import.meta.url).resolve('botframework-webchat');
  const root = entry.slice(0, entry.lastIndexOf('botframework-webchat') + 'botframework-webchat'.length);
  return join(root, 'dist', 'webchat.js');
})();

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/** Pages are self-contained: no external requests, so a strict policy costs nothing. */
const STRICT = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
/**
 * Web Chat injects its own style sheets at run time, so the chat page allows inline styles
 * (not scripts); its upload reads the picked file back from a blob: URL and makes the
 * thumbnail in a blob: worker.
 */
const CHAT = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self' blob:; worker-src 'self' blob:; font-src 'self' data:; frame-ancestors 'none'";

const headers = (csp: string) => ({
  'Content-Security-Policy': csp,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
});

export function registerPages(server: Server): void {
  const serve = (urlPath: string, file: string, csp = STRICT, cache = 'no-cache') => {
    let body: Buffer | undefined;
    server.get(urlPath, async (_req, res) => {
      body ??= readFileSync(file.startsWith('/') ? file : join(WEB_DIR, file));
      const ext = file.split('.').pop()!;
      res.writeHead(200, { 'Content-Type': TYPES[ext] ?? 'application/octet-stream', 'Cache-Control': cache, ...headers(csp) });
      res.end(body);
    });
  };
  serve('/shared/base.css', 'shared/base.css');
  serve('/dispatch', 'dispatch/index.html');
  serve('/dispatch/app.js', 'dispatch/app.js');
  serve('/dispatch/style.css', 'dispatch/style.css');
  serve('/panel', 'panel/index.html');
  serve('/panel/app.js', 'panel/app.js');
  serve('/panel/style.css', 'panel/style.css');
  serve('/chat', 'chat/index.html', CHAT);
  serve('/chat/app.js', 'chat/app.js', CHAT);
  serve('/chat/style.css', 'chat/style.css', CHAT);
  serve('/chat/webchat.js', WEBCHAT_BUNDLE, CHAT, 'public, max-age=86400');
}
