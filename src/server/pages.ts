import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'restify';

/**
 * The web pages. Staff pages are TypeScript (src/web), compiled by tsc into native ES
 * modules (dist/web, see src/web/tsconfig.json) and served as they are: no bundler.
 * Each page is a generated HTML shell (stylesheets, an import map, one module script);
 * the modules served are exactly those reachable from the pages' entry modules, at the
 * URLs the browser resolves their imports to. Third-party modules (Preact) come from
 * node_modules through the import map; nothing is loaded from anywhere else.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
/** Compiled code runs from dist/src/server; stylesheets stay in src/web, modules are in dist/web. */
const REPO = join(HERE, '..', '..', '..');
const WEB_SRC = join(REPO, 'src', 'web');
const WEB_OUT = join(REPO, 'dist', 'web');

/** A staff page: its URL, the title before the script sets its own, its stylesheet. */
interface StaffPage {
  path: string;
  title: string;
}

/** Adding a page: its folder in src/web (app.tsx, text.ts, style.css) and one line here. */
const STAFF_PAGES: StaffPage[] = [
  { path: '/panel', title: 'Call-center panel' },
  { path: '/dispatch', title: 'Dispatch board' },
  { path: '/reports', title: 'Service reports' },
  { path: '/tech', title: 'My jobs' },
  { path: '/roster', title: 'Technician roster' },
  { path: '/inspect', title: 'My inspections' },
];

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** Bare module names the pages import, and the files that serve them. */
const VENDOR: Record<string, { url: string; file: string }> = (() => {
  const preact = packageDir('preact');
  return {
    preact: { url: '/vendor/preact.mjs', file: join(preact, 'dist', 'preact.mjs') },
    'preact/hooks': { url: '/vendor/preact-hooks.mjs', file: join(preact, 'hooks', 'dist', 'hooks.mjs') },
    'preact/jsx-runtime': { url: '/vendor/preact-jsx-runtime.mjs', file: join(preact, 'jsx-runtime', 'dist', 'jsxRuntime.mjs') },
  };
})();

const IMPORT_MAP = JSON.stringify({ imports: Object.fromEntries(Object.entries(VENDOR).map(([name, v]) => [name, v.url])) });
/** The import map is the one inline script: allowed by its hash, so the policy still forbids any other. */
const IMPORT_MAP_HASH = `'sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}'`;

/** Microsoft's Web Chat ships a ready browser bundle in its npm package: served from here, no CDN. */
const WEBCHAT_BUNDLE = (() => {
  const entry = require.resolve('botframework-webchat');
  const root = entry.slice(0, entry.lastIndexOf('botframework-webchat') + 'botframework-webchat'.length);
  return join(root, 'dist', 'webchat.js');
})();

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Staff pages are self-contained: no external requests, no inline script but the hashed
 * import map, no eval. Photos are fetched with the API key and shown from blob: URLs.
 */
const STRICT = `default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self' ${IMPORT_MAP_HASH}; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;
/**
 * Web Chat injects its own style sheets at run time, so the chat page allows inline styles
 * (not scripts); its upload reads the picked file back from a blob: URL and makes the
 * thumbnail in a blob: worker.
 */
const CHAT =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self' blob:; worker-src 'self' blob:; font-src 'self' data:; frame-ancestors 'none'";

const headers = (csp: string) => ({
  'Content-Security-Policy': csp,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
});

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);

function shell(page: StaffPage): string {
  const name = page.path.slice(1);
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(page.title)} · Fault triage</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/shared/base.css">
  <link rel="stylesheet" href="/${name}/style.css">
  <script type="importmap">${IMPORT_MAP}</script>
  <script type="module" src="/${name}/app.js"></script>
</head>
<body></body>
</html>
`;
}

const STATIC_IMPORT = /(?:^|[;\n])\s*(?:import|export)\s*(?:[\w*{}\s,$]*?\sfrom\s*)?["']([^"']+)["']/g;

/**
 * The compiled modules reachable from the pages' entries, by the URL the browser asks
 * for: a relative import is resolved against the importing module's URL and its file
 * at the same time, so the two never drift apart. Two files on one URL, or a bare
 * import without a vendor entry, stop the server at start with the reason.
 */
export function moduleGraph(entries: { url: string; file: string }[]): Map<string, string> {
  const byUrl = new Map<string, string>();
  const queue = [...entries];
  while (queue.length) {
    const { url, file } = queue.shift()!;
    const known = byUrl.get(url);
    if (known !== undefined) {
      if (known !== file) throw new Error(`pages: ${url} would serve both ${known} and ${file}`);
      continue;
    }
    if (!existsSync(file)) throw new Error(`pages: ${file} is missing; run \`npm run build\` (it compiles src/web too)`);
    byUrl.set(url, file);
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const spec = m[1]!;
      if (!spec.startsWith('.') && !spec.startsWith('/')) {
        if (!VENDOR[spec]) throw new Error(`pages: ${file} imports "${spec}", which the import map does not name`);
        continue;
      }
      queue.push({ url: new URL(spec, `http://page${url}`).pathname, file: resolve(dirname(file), spec) });
    }
  }
  return byUrl;
}

export function registerPages(server: Server): void {
  const serve = (urlPath: string, body: () => Buffer | string, type: string, csp = STRICT, cache = 'no-cache') => {
    let cached: Buffer | string | undefined;
    server.get(urlPath, async (_req, res) => {
      cached ??= body();
      res.writeHead(200, { 'Content-Type': TYPES[type] ?? 'application/octet-stream', 'Cache-Control': cache, ...headers(csp) });
      res.end(cached);
    });
  };
  const file = (path: string) => () => readFileSync(path);

  const modules = moduleGraph(STAFF_PAGES.map((p) => ({ url: `${p.path}/app.js`, file: join(WEB_OUT, 'web', p.path.slice(1), 'app.js') })));
  for (const [url, path] of modules) serve(url, file(path), 'js');
  for (const v of Object.values(VENDOR)) serve(v.url, file(v.file), 'mjs', STRICT, 'public, max-age=86400');
  serve('/shared/base.css', file(join(WEB_SRC, 'shared', 'base.css')), 'css');
  for (const page of STAFF_PAGES) {
    serve(page.path, () => shell(page), 'html');
    serve(`${page.path}/style.css`, file(join(WEB_SRC, page.path.slice(1), 'style.css')), 'css');
  }

  // Chart.js's self-contained UMD bundle from its npm package (its ES build imports further chunks).
  serve('/reports/chart.js', file(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js')), 'js', STRICT, 'public, max-age=86400');

  serve('/chat', file(join(WEB_SRC, 'chat', 'index.html')), 'html', CHAT);
  serve('/chat/app.js', file(join(WEB_SRC, 'chat', 'app.js')), 'js', CHAT);
  serve('/chat/style.css', file(join(WEB_SRC, 'chat', 'style.css')), 'css', CHAT);
  serve('/chat/webchat.js', file(WEBCHAT_BUNDLE), 'js', CHAT, 'public, max-age=86400');
}
