import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'restify';

/** Web pages live in src/web (plain HTML/JS/CSS, no build step) and are served from there. */
const WEB_DIR = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled code runs from dist/src/server; the assets stay in src/web.
  return here.includes('/dist/') ? join(here, '..', '..', '..', 'src', 'web') : join(here, '..', 'web');
})();

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/** Pages are self-contained: no external requests, so a strict policy costs nothing. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export function registerPages(server: Server): void {
  const serve = (urlPath: string, file: string) => {
    server.get(urlPath, async (_req, res) => {
      const ext = file.split('.').pop()!;
      const body = readFileSync(join(WEB_DIR, file));
      res.writeHead(200, { 'Content-Type': TYPES[ext] ?? 'application/octet-stream', 'Cache-Control': 'no-cache', ...SECURITY_HEADERS });
      res.end(body);
    });
  };
  serve('/dispatch', 'dispatch/index.html');
  serve('/dispatch/app.js', 'dispatch/app.js');
  serve('/dispatch/style.css', 'dispatch/style.css');
}
