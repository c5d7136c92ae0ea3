import { loadKnowledge } from '../src/knowledge/load.js';
import { ProductLineDetector } from '../src/retrieval/product-lines.js';
import { KNOWLEDGE_DIR } from './support/paths.js';

describe('ProductLineDetector', () => {
  const detector = new ProductLineDetector(loadKnowledge(KNOWLEDGE_DIR).policy);

  it('finds the one machine named and blanks it from the fault text', () => {
    const r = detector.detect('the boom on my pump truck is slow');
    expect(r.line).toBe('PT');
    expect(r.remainder).not.toMatch(/pump truck/);
    expect(detector.detect('塔吊小车走不动').line).toBe('TC');
    expect(detector.detect('trailer pump and paver both broken').line).toBeUndefined();
  });

  it('recognises machines we do not service, also misspelt, without reading them as ours', () => {
    expect(detector.detect('mobile crane hook slips')).toMatchObject({ line: undefined, otherMachine: true });
    expect(detector.detect('forklfit mast drops by itself').otherMachine).toBe(true);
    expect(detector.detect('挖掘机动臂下沉').otherMachine).toBe(true);
    expect(detector.detect('drill rod stuck in the rod loader').otherMachine).toBe(false);
  });
});
