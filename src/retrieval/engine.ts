import type { KnowledgeBase } from '../knowledge/load.js';
import type { Bilingual, Category, ProductLineCode } from '../knowledge/schema.js';
import { confidence, DEFAULT_CALIBRATION, type Calibration, type FeatureVector } from './calibration.js';
import { buildCorpus, type Phrasing } from './corpus.js';
import type { DenseChannel } from './dense-channel.js';
import type { Embedder } from './embedders/embedder.js';
import { IntentDetector } from './intents.js';
import type { IntentRoute, LanguageData } from './language-data.js';
import { LexicalIndex } from './lexical.js';
import { manualTermGuard } from './manual-terms.js';
import { ProductLineDetector } from './product-lines.js';
import { detectLanguage, tokenize, type Lang } from './text.js';
import { MessageAnalyser } from './understanding.js';
import type { VectorSearch } from './vector-index.js';

export interface SuggestOptions {
  productLine?: ProductLineCode;
  limit?: number;
  /** Aborted when the asker has gone (a closed HTTP request): queued encoder work is dropped. */
  signal?: AbortSignal;
}

export interface Suggestion {
  id: string;
  title: Bilingual;
  productLine: ProductLineCode;
  category: Category;
  selfService: 'yes' | 'checks-only' | 'no';
  /** 0–1: the abstention model's confidence for the top result, scaled by how this candidate's evidence compares with the top's. */
  score: number;
  /** The manual phrasing that matched best, to show staff why this came up. */
  matchedPhrasing: string;
}

export interface SuggestResponse {
  abstain: boolean;
  /**
   * Why the engine abstained: nothing matched, too unsure, a machine we do not service,
   * or a request that is not a fault at all (then `intent` says which and where it goes).
   */
  reason?: 'no-match' | 'low-confidence' | 'other-machine' | 'intent';
  /** A non-fault request (knowledge/intents.yaml): part order, quote, invoice, greeting … */
  intent?: { id: string; route: IntentRoute };
  confidence: number;
  language: Lang;
  /** The product line named in the text, when no filter was given. */
  detectedProductLine?: ProductLineCode;
  /** No machine named and the fault fits two or more product lines: ask which machine. */
  plausibleLines?: ProductLineCode[];
  results: Suggestion[];
}

/** Which channels take part; the benchmark switches them to compare against baselines. */
export interface EngineChannels {
  lexical: boolean;
  dense: boolean;
  /** Replaces the dense channel's HNSW index (e.g. exact search) without re-embedding. */
  vectorSearch?: VectorSearch;
  /** Embed every query, even when the lexical evidence already decides (a baseline for needsDenseChannel). */
  alwaysDense?: boolean;
}

/** Fusion constants, set once from the calibration set's behaviour, not per query. */
const RRF_K = 10;
const DENSE_CANDIDATES = 60;
/** A product line stays plausible while its best entry reaches this share of the best BM25 score. */
const PLAUSIBLE_LINE_SHARE = 0.8;
/**
 * When the lexical evidence decides (see needsDenseChannel): the top fault explains at
 * least half the query's information, its BM25 strength is high and it leads the
 * runner-up's BM25 score by a tenth. Chosen on the calibration set (test/eval/dev.jsonl,
 * English): the sentence encoder is skipped for ~53 % of its queries with recall@1
 * 0.875 → 0.893 and recall@3, abstention unchanged.
 */
const LEXICAL_DECIDES = { coverage: 0.5, lexicalStrength: 0.8, scoreLead: 0.1 } as const;
/** Longer texts are cut: a 1 MB paste must not cost more than a paragraph does. */
export const MAX_QUERY_CHARS = 2000;

interface Candidate {
  faultId: string;
  lexScore: number;
  lexRank?: number;
  matched: Set<string>;
  bestLexPhrasing?: number;
  similarity: number;
  denseRank?: number;
  bestDensePhrasing?: number;
  fused: number;
}

export interface Features {
  features: FeatureVector;
  hybrid: boolean;
}

/** The shared retrieval brain of the bot, the panel and the HTTP API. */
export class SuggestionEngine {
  readonly corpus: Phrasing[];
  private readonly lexical: LexicalIndex;
  private readonly lines: ProductLineDetector;
  private readonly analyser: MessageAnalyser;
  private readonly intents: IntentDetector;
  private readonly queryCache = new Map<string, Float32Array>();

  constructor(
    readonly kb: KnowledgeBase,
    readonly language: LanguageData,
    private readonly dense: DenseChannel | undefined,
    private readonly calibration: Calibration = DEFAULT_CALIBRATION,
    private readonly channels: EngineChannels = { lexical: true, dense: true },
    corpus?: Phrasing[],
  ) {
    this.corpus = corpus ?? buildCorpus(kb);
    this.lexical = new LexicalIndex(this.corpus);
    this.lines = new ProductLineDetector(kb.policy);
    this.analyser = new MessageAnalyser(language.cues);
    this.intents = new IntentDetector(language.intents, this.analyser, manualTermGuard(this.corpus));
  }

  /** Identity of the dense model ("none" when lexical only); calibrations are keyed by it. */
  get embedderId(): string {
    return this.dense?.embedder.id ?? 'none';
  }

  get calibrationInUse(): Calibration {
    return this.calibration;
  }

  /** The sentence encoder (undefined when lexical only), for its operating figures. */
  get encoder(): Embedder | undefined {
    return this.dense?.embedder;
  }

  /** Stops the sentence encoder's threads (shared with every withChannels view). */
  async close(): Promise<void> {
    await this.dense?.embedder.close?.();
  }

  /** A view of this engine with other channels (shares indexes; for baselines). */
  withChannels(channels: EngineChannels): SuggestionEngine {
    return new SuggestionEngine(this.kb, this.language, this.dense, this.calibration, channels, this.corpus);
  }

  /** The machine a text names (ours, or one we do not service) and the words about the fault. */
  detectMachine(text: string): { line?: ProductLineCode; otherMachine: boolean; faultWords: string[] } {
    const named = this.lines.detect(text.slice(0, MAX_QUERY_CHARS));
    return { line: named.line, otherMachine: named.otherMachine, faultWords: tokenize(named.remainder) };
  }

  private readonly observers: ((r: SuggestResponse) => void)[] = [];

  /** Called with every answer (metrics count matches and abstentions). */
  observe(fn: (r: SuggestResponse) => void): void {
    this.observers.push(fn);
  }

  async suggest(text: string, opts: SuggestOptions = {}): Promise<SuggestResponse> {
    const { response } = await this.explain(text, opts);
    for (const fn of this.observers) fn(response);
    return response;
  }

  /** suggest() plus the evidence behind the decision, for calibration and evaluation. */
  async explain(rawText: string, opts: SuggestOptions = {}): Promise<{ response: SuggestResponse; evidence?: Features }> {
    const text = rawText.slice(0, MAX_QUERY_CHARS).trim();
    const limit = Math.max(1, Math.min(opts.limit ?? 5, 20));
    const language = detectLanguage(text);
    const analysis = this.analyser.analyse(text);
    // A request (quote, invoice, greeting …) is still ranked against the manual, lexically,
    // so staff see what the words would have matched; it is never answered as a fault.
    const intent = this.intents.detect(analysis.normalised);
    const named = this.lines.detect(text);
    const detected = opts.productLine ? undefined : named.line;
    if (!intent && named.otherMachine && !named.line && !opts.productLine) {
      return { response: { abstain: true, reason: 'other-machine', confidence: 0, language, results: [] } };
    }
    // A machine named in the text narrows the search just as a chosen filter does.
    const allowLine = opts.productLine ?? detected;
    const allow = allowLine ? (p: Phrasing) => p.productLine === allowLine : undefined;
    const faultText = named.remainder;
    const queryTokens = [...new Set(tokenize(faultText))];

    const candidates = new Map<string, Candidate>();
    const get = (faultId: string) => {
      let c = candidates.get(faultId);
      if (!c) {
        c = { faultId, lexScore: 0, matched: new Set(), similarity: 0, fused: 0 };
        candidates.set(faultId, c);
      }
      return c;
    };

    if (this.channels.lexical && queryTokens.length > 0) {
      for (const hit of this.lexical.query(faultText, allow)) {
        const p = this.corpus[hit.phrasing]!;
        const c = get(p.faultId);
        hit.matched.forEach((t) => c.matched.add(t));
        if (hit.score > c.lexScore) {
          c.lexScore = hit.score;
          c.bestLexPhrasing = p.index;
        }
      }
      rank(candidates, (c) => c.lexScore, (c, r) => (c.lexRank = r));
    }

    const useDense =
      !intent &&
      this.channels.dense &&
      this.dense !== undefined &&
      this.dense.knows(language) &&
      /[\p{L}\p{N}]/u.test(faultText) &&
      (this.channels.alwaysDense === true || this.needsDenseChannel(candidates, queryTokens));
    if (useDense) {
      // The machine's name is left out here too: "pump truck" would otherwise pull the
      // vector towards every phrasing that happens to mention pumping or trucks.
      const vector = await this.embedQuery(faultText.replace(/\s+/g, ' ').trim(), opts.signal);
      const index = this.channels.vectorSearch ?? this.dense!.index;
      // Filter after the search rather than inside it: a JS callback per visited node
      // costs more than fetching extra neighbours (the lines are of similar size).
      let hits = index.search(vector, allow ? DENSE_CANDIDATES * 4 : DENSE_CANDIDATES);
      if (allow) {
        hits = hits.filter((h) => allow(this.corpus[h.label]!));
        if (hits.length < 5) hits = index.search(vector, DENSE_CANDIDATES, (label) => allow(this.corpus[label]!));
      }
      for (const hit of hits.slice(0, DENSE_CANDIDATES)) {
        const p = this.corpus[hit.label]!;
        const c = get(p.faultId);
        if (hit.similarity > c.similarity) {
          c.similarity = hit.similarity;
          c.bestDensePhrasing = p.index;
        }
      }
      rank(candidates, (c) => c.similarity, (c, r) => (c.denseRank = r));
    }

    for (const c of candidates.values()) {
      c.fused = (c.lexRank ? 1 / (RRF_K + c.lexRank) : 0) + (c.denseRank ? 1 / (RRF_K + c.denseRank) : 0);
    }
    const ranked = [...candidates.values()].filter((c) => c.fused > 0).sort((a, b) => b.fused - a.fused);
    const top = ranked[0];
    if (!top) {
      const why = intent ? { reason: 'intent' as const, intent: { id: intent.id, route: intent.route } } : { reason: 'no-match' as const };
      return { response: { abstain: true, ...why, confidence: 0, language, detectedProductLine: detected, results: [] } };
    }

    const features: FeatureVector = {
      coverage: this.coverage(queryTokens, top.matched),
      lexicalStrength: lexicalStrength(top.lexScore),
      similarity: useDense ? Math.max(0, top.similarity) : 0,
      margin: ranked[1] ? (top.fused - ranked[1].fused) / top.fused : 1,
    };
    const model = useDense ? this.calibration.hybrid : this.calibration.lexicalOnly;
    // Sure it is a request, the engine has no confidence in any fault.
    const conf = intent ? 0 : confidence(model, features);

    // Scores compare candidates on their evidence (RRF ranks alone say little about how
    // far apart two candidates are): the share of the best BM25 score and of the best
    // cosine similarity each candidate reached.
    const maxLex = Math.max(...ranked.map((c) => c.lexScore), 0);
    const maxSim = Math.max(...ranked.map((c) => c.similarity), 0);
    const relative = (c: Candidate) => {
      const lex = maxLex > 0 ? c.lexScore / maxLex : 0;
      const sim = useDense && maxSim > 0 ? Math.max(0, c.similarity) / maxSim : 0;
      return useDense && maxLex > 0 ? (lex + sim) / 2 : useDense ? sim : lex;
    };
    const topRelative = relative(top) || 1;
    let ceiling = 1;
    const results = ranked.slice(0, limit).map((c) => {
      // Never above the candidate ranked before it: a list whose scores contradict its order confuses staff.
      ceiling = Math.min(ceiling, relative(c) / topRelative);
      const fault = this.kb.faultsById.get(c.faultId)!;
      const best = c.bestLexPhrasing ?? c.bestDensePhrasing!;
      const phrasing = useDense && c.bestDensePhrasing !== undefined && c.similarity > 0.5 ? c.bestDensePhrasing : best;
      return {
        id: fault.id,
        title: fault.title,
        productLine: fault.product_line,
        category: fault.category,
        selfService: fault.self_service,
        score: round(conf * ceiling),
        matchedPhrasing: this.corpus[phrasing]!.text,
      };
    });
    const plausibleLines = allowLine || intent ? [] : this.plausibleLines(ranked);
    return {
      response: {
        abstain: intent !== undefined || conf < model.threshold,
        ...(intent
          ? { reason: 'intent' as const, intent: { id: intent.id, route: intent.route } }
          : conf < model.threshold
            ? { reason: 'low-confidence' as const }
            : {}),
        confidence: round(conf),
        language,
        detectedProductLine: detected,
        ...(plausibleLines.length >= 2 ? { plausibleLines } : {}),
        results,
      },
      evidence: { features, hybrid: useDense },
    };
  }

  /**
   * Product lines whose best entry comes close to the best entry overall, when the
   * message names no machine: the fault words alone do not say which machine it is.
   */
  private plausibleLines(ranked: Candidate[]): ProductLineCode[] {
    const best = new Map<ProductLineCode, number>();
    for (const c of ranked.slice(0, 10)) {
      const line = this.kb.faultsById.get(c.faultId)!.product_line;
      best.set(line, Math.max(best.get(line) ?? 0, c.lexScore));
    }
    const top = Math.max(0, ...best.values());
    if (top === 0) return [];
    return [...best].filter(([, s]) => s >= top * PLAUSIBLE_LINE_SHARE).sort((a, b) => b[1] - a[1]).map(([l]) => l);
  }

  /**
   * Does this query need the dense channel? The sentence encoder is by far the dearest
   * step of a query (~10 ms of CPU against ~1 ms for everything else), so it is spent
   * only where the lexical evidence does not decide: no lexical match, a top candidate
   * that explains too little of the query or matches weakly, or a runner-up close
   * behind. When the lexical top is clear, the answer is BM25's, whose ranking on this
   * manual is as good as the hybrid's (see the README's benchmark).
   */
  private needsDenseChannel(candidates: ReadonlyMap<string, Candidate>, queryTokens: string[]): boolean {
    const byScore = [...candidates.values()].filter((c) => c.lexScore > 0).sort((a, b) => b.lexScore - a.lexScore);
    const top = byScore[0];
    if (!top) return true;
    const lead = byScore[1] ? 1 - byScore[1].lexScore / top.lexScore : 1;
    const decided =
      this.coverage(queryTokens, top.matched) >= LEXICAL_DECIDES.coverage &&
      lexicalStrength(top.lexScore) >= LEXICAL_DECIDES.lexicalStrength &&
      lead >= LEXICAL_DECIDES.scoreLead;
    return !decided;
  }

  /**
   * Share of the query's information (IDF-weighted content tokens) that the top fault's
   * phrasings account for. Machine names were blanked out before tokenising: naming a
   * pump truck says which machine, not that the text describes one of its faults.
   */
  private coverage(queryTokens: string[], matched: Set<string>): number {
    let total = 0;
    let hit = 0;
    for (const t of queryTokens) {
      const w = this.lexical.idf(t);
      total += w;
      if (matched.has(t)) hit += w;
    }
    return total === 0 ? 0 : hit / total;
  }

  private async embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array> {
    const cached = this.queryCache.get(text);
    if (cached) return cached;
    const [vector] = await this.dense!.embedder.embed([text], { signal });
    if (this.queryCache.size >= 2000) this.queryCache.delete(this.queryCache.keys().next().value!);
    this.queryCache.set(text, vector!);
    return vector!;
  }
}

function rank(candidates: Map<string, Candidate>, score: (c: Candidate) => number, set: (c: Candidate, r: number) => void) {
  [...candidates.values()]
    .filter((c) => score(c) > 0)
    .sort((a, b) => score(b) - score(a))
    .forEach((c, i) => set(c, i + 1));
}

/** BM25 score mapped onto 0–1 (a feature of the abstention model). */
function lexicalStrength(bm25: number): number {
  return 1 - Math.exp(-bm25 / 10);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
