import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { DangerDetector } from '../src/conversation/danger.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { KNOWLEDGE_DIR, REPO_ROOT } from './support/paths.js';

/**
 * The danger detector over many phrasings (test/fixtures/danger-phrasings.yaml): every
 * emergency is caught, and ordinary fault reports with alarming words are not. Beside
 * it, the manual itself: no symptom phrasing of an entry an operator may work on alone
 * (self-service "yes") takes over the conversation as an emergency.
 */

const danger = DangerDetector.load(KNOWLEDGE_DIR);
const phrasings = z
  .object({ danger: z.array(z.string()).min(1), not_danger: z.array(z.string()).min(1) })
  .parse(parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'danger-phrasings.yaml'), 'utf8')));

describe('danger phrasings', () => {
  test.each(phrasings.danger)('an emergency: %s', (text) => {
    expect(danger.detect(text)).toBeDefined();
  });

  test.each(phrasings.not_danger)('not an emergency: %s', (text) => {
    expect(danger.detect(text)?.cue).toBeUndefined();
  });

  it('no symptom phrasing of a self-service entry is an emergency', () => {
    const kb = loadKnowledge(KNOWLEDGE_DIR);
    const alarms = kb.faults
      .filter((f) => f.self_service === 'yes')
      .flatMap((f) => [...f.symptoms.en, ...f.symptoms.zh].map((text) => ({ id: f.id, text, cue: danger.detect(text)?.cue })))
      .filter((a) => a.cue !== undefined);
    expect(alarms).toEqual([]);
  });
});
