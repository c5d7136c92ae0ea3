import type { Lang } from '../language/languages.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument, Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { formatProblem, inspectKnowledge } from '../knowledge/load.js';
import { gapTextForManual, MAX_PHRASING } from './gap-text.js';

/**
 * Adds an operator's words to a fault entry as a new symptom phrasing, editing the
 * YAML in place (comments and layout kept). The whole manual is validated after the
 * edit; if anything is wrong the file is restored and the problems are reported.
 * The index picks the phrasing up on its next start (its cache key changes).
 */
export function addSymptomPhrasing(knowledgeDir: string, faultId: string, lang: Lang, text: string): string {
  const { kb, problems: before } = inspectKnowledge(knowledgeDir);
  if (!kb || before.length > 0) throw new Error(`fix the manual first:\n${before.map(formatProblem).join('\n')}`);
  const relative = kb.sourceFile.get(faultId);
  if (!relative) throw new Error(`no fault ${faultId} in ${knowledgeDir}`);
  const fault = kb.faultsById.get(faultId)!;
  const phrasing = gapTextForManual(text);
  if (!phrasing) throw new Error('nothing printable is left of these words to add to the manual');
  if (phrasing.length > MAX_PHRASING) {
    throw new Error(
      `these words are too long for a symptom phrasing (${phrasing.length} characters, at most ${MAX_PHRASING}); reject the item and add a short phrasing by hand`,
    );
  }
  if (fault.symptoms[lang].some((s) => s.toLowerCase() === phrasing.toLowerCase())) {
    throw new Error(`${faultId} already has this ${lang} phrasing`);
  }

  const file = join(knowledgeDir, relative);
  const original = readFileSync(file, 'utf8');
  const doc = parseDocument(original);
  const faults = doc.get('faults') as YAMLSeq<YAMLMap>;
  const entry = faults.items.find((item) => isMap(item) && item.get('id') === faultId);
  const symptoms = entry?.getIn(['symptoms', lang]);
  if (!isSeq(symptoms)) throw new Error(`${relative}: ${faultId} has no symptoms.${lang} list to extend`);
  const node = new Scalar(phrasing);
  node.type = Scalar.QUOTE_DOUBLE; // like the hand-written phrasings around it
  symptoms.add(node);
  writeFileSync(file, doc.toString({ lineWidth: 0, flowCollectionPadding: false }));

  const { problems } = inspectKnowledge(knowledgeDir);
  if (problems.length > 0) {
    writeFileSync(file, original);
    throw new Error(`the edit would break the manual, not saved:\n${problems.map(formatProblem).join('\n')}`);
  }
  return relative;
}
