import MiniSearch from 'minisearch';
import type { Intent, IntentRoute } from './language-data.js';
import { blankSpans, normaliseText, PhraseSet, type PhraseHit } from './phrases.js';
import { tokenize } from './text.js';
import type { MessageAnalyser } from './understanding.js';

/**
 * Non-fault requests (part orders, quotes, invoices, warranty, delivery, ticket status,
 * greetings, thanks, jobs …) recognised from the cue words of knowledge/intents.yaml.
 * A request wins only when the message does not also describe a fault: "how much is a
 * new hydraulic pump" is a quote, "the hydraulic pump is leaking, how much to fix it"
 * is a fault first (the bot can still route the question once the fault is handled).
 */

export interface IntentMatch {
  id: string;
  route: IntentRoute;
  /** Sum of the weights of the distinct cues found. */
  score: number;
}

interface CompiledIntent {
  intent: Intent;
  cues: PhraseSet;
  weights: Map<string, number>;
  patterns: { re: RegExp; weight: number }[];
}

/** Two strong cues of one request outweigh a fault word ("price of a leaking-hose repair"). */
const OVERRIDES_SYMPTOM = 4;
/** A cue of this weight is decisive: no fault report uses it ("invoice number", 采购). */
const DECISIVE = 3;
/**
 * Chinese questions whose 没 asks rather than reports ("发货了没有", "到了没"): read
 * before deciding whether the rest still describes a fault.
 */
const QUESTION_TAIL = /(?:了|过)?没(?:有)?(?=[\s\p{P}]*(?:$|[吗呢啊]))/gu;
/** A greeting or thanks with a few more words ("hello, is this the service line?") is still one. */
const SOCIAL_EXTRA_WORDS = 3;

export class IntentDetector {
  private readonly compiled: CompiledIntent[];
  private readonly examples: MiniSearch<{ id: number; intent: string; text: string }>;
  private readonly partNames: PhraseSet;

  /**
   * @param partOfManualTerm tells whether a cue with its neighbouring word is a term of
   *   the manual ("delivery pipe", "cooling package", "flow rate"): then it names a part
   *   of the machine, not a request.
   * @param partNames names of our parts (knowledge/parts): a fault word inside one ("wear
   *   plate", 管卡) names the part asked for, it does not report a fault.
   */
  constructor(
    intents: readonly Intent[],
    private readonly analyser: MessageAnalyser,
    private readonly partOfManualTerm: (text: string, hit: PhraseHit) => boolean,
    partNames: readonly string[] = [],
  ) {
    this.partNames = new PhraseSet(partNames);
    this.compiled = intents.map((intent) => {
      const all = [...intent.cues.en, ...intent.cues.zh];
      const cues = new PhraseSet(all.map((c) => c.text));
      const weights = new Map<string, number>();
      for (const c of all) {
        const key = normaliseText(c.text).trim();
        weights.set(key, Math.max(weights.get(key) ?? 0, c.weight));
      }
      const patterns = intent.patterns.map((p) => ({ re: new RegExp(p.regex, 'gu'), weight: p.weight }));
      for (const p of patterns) weights.set(p.re.source, Math.max(weights.get(p.re.source) ?? 0, p.weight));
      return { intent, cues, weights, patterns };
    });
    this.examples = new MiniSearch({ fields: ['text'], storeFields: ['intent'], tokenize, processTerm: (t) => t });
    let id = 0;
    for (const intent of intents) {
      for (const text of [...intent.examples.en, ...intent.examples.zh]) this.examples.add({ id: id++, intent: intent.id, text });
    }
  }

  /** The request a (normalised) message makes, if it makes one and describes no fault. */
  detect(normalised: string): IntentMatch | undefined {
    const found: { c: CompiledIntent; score: number; hits: PhraseHit[] }[] = [];
    const allHits: PhraseHit[] = [];
    for (const c of this.compiled) {
      const hits = c.cues.find(normalised).filter((h) => !this.partOfManualTerm(normalised, h));
      let score = [...new Set(hits.map((h) => h.phrase))].reduce((s, p) => s + (c.weights.get(p) ?? 1), 0);
      for (const p of c.patterns) {
        for (const m of normalised.matchAll(p.re)) {
          hits.push({ phrase: p.re.source, start: m.index, end: m.index + m[0].length });
          score += p.weight;
        }
      }
      if (hits.length === 0) continue;
      allHits.push(...hits);
      found.push({ c, score, hits });
    }
    if (found.length === 0) return undefined;
    // What is left once every request word is gone: does it still describe a fault?
    // A text that describes no fault as a whole does not start to once its request words are gone.
    const rest = blankSpans(normalised, [...allHits, ...this.partNames.find(normalised)]).replace(QUESTION_TAIL, (m) =>
      ' '.repeat(m.length),
    );
    const symptomatic = this.analyser.describesFault(normalised) && this.analyser.describesFault(rest);
    const similarity = this.exampleSimilarity(normalised);
    const strong = (f: (typeof found)[number]) => f.hits.some((h) => (f.c.weights.get(h.phrase) ?? 1) >= 2);
    const decisive = (f: (typeof found)[number]) => f.hits.some((h) => (f.c.weights.get(h.phrase) ?? 1) >= DECISIVE);
    const ranked = found
      .filter((f) => f.score >= 2)
      .filter((f) =>
        f.c.intent.social
          ? !symptomatic && wordCount(rest) <= SOCIAL_EXTRA_WORDS
          : !symptomatic || f.score >= OVERRIDES_SYMPTOM || decisive(f) || (f.c.intent.beats_fault && strong(f)),
      )
      .sort((a, b) => b.score - a.score || (similarity.get(b.c.intent.id) ?? 0) - (similarity.get(a.c.intent.id) ?? 0));
    const best = ranked[0];
    return best ? { id: best.c.intent.id, route: best.c.intent.route, score: best.score } : undefined;
  }

  /** How close the message is to each intent's examples (best BM25 score), to break ties. */
  private exampleSimilarity(text: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.examples.search(text, { combineWith: 'OR' })) {
      const intent = r.intent as string;
      out.set(intent, Math.max(out.get(intent) ?? 0, r.score));
    }
    return out;
  }
}

/** Content words left in a text (a run of Chinese counts one word per two characters). */
function wordCount(text: string): number {
  let n = 0;
  for (const t of text.match(/[\u3400-\u9fff]+|[a-z0-9']+/g) ?? []) {
    if (/[\u3400-\u9fff]/u.test(t)) n += Math.ceil(t.length / 2);
    else if (tokenize(t).length > 0) n++;
  }
  return n;
}
