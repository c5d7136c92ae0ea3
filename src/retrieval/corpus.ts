import { LANGUAGES, type Lang } from '../language/languages.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import type { ProductLineCode } from '../knowledge/schema.js';

/** What a searchable phrasing says about its fault; symptoms weigh most. */
export type PhrasingKind = 'symptom' | 'title' | 'cause';

export interface Phrasing {
  /** Position in the corpus; also the label of the phrasing's vector in the HNSW index. */
  index: number;
  faultId: string;
  productLine: ProductLineCode;
  lang: Lang;
  kind: PhrasingKind;
  text: string;
}

/** Flattens the manual into the phrasings both retrieval channels search. */
export function buildCorpus(kb: KnowledgeBase): Phrasing[] {
  const out: Phrasing[] = [];
  const add = (fault: KnowledgeBase['faults'][number], lang: Lang, kind: PhrasingKind, text: string) =>
    out.push({ index: out.length, faultId: fault.id, productLine: fault.product_line, lang, kind, text });
  for (const fault of kb.faults) {
    for (const lang of LANGUAGES) {
      add(fault, lang, 'title', fault.title[lang]);
      for (const s of fault.symptoms[lang]) add(fault, lang, 'symptom', s);
      for (const c of fault.causes) add(fault, lang, 'cause', c.title[lang]);
    }
  }
  return out;
}
