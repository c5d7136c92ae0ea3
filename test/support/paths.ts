import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The repository root, whether a test runs from test/ (ts) or dist/test/ (compiled). */
export const REPO_ROOT = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${'/'}dist${'/'}`) ? join(here, '..', '..', '..') : join(here, '..', '..');
})();

export const KNOWLEDGE_DIR = join(REPO_ROOT, 'knowledge');
export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
