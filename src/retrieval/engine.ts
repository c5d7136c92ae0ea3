import { normaliseText } from './phrases.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import type { Bilingual, Category, ProductLineCode } from '../knowledge/schema.js';
import { confidence, DEFAULT_CALIBRATION, type Calibration, type FeatureVector } from './calibration.js';
import { buildCorpus, type Phrasing } from './corpus.js';
import type { DenseChannel } from './dense-channel.js';
import { EncoderLateError, type Embedder } from './embedders/embedder.js';
import { IntentDetector } from './intents.js';
import type { IntentRoute, LanguageData } from './language-data.js';
import { LexicalIndex, SOUND_BOOST } from './lexical.js';
import { manualTermGuard } from './manual-terms.js';
import { ModelCodeReader } from './model-codes.js';
import { ProductLineDetector } from './product-lines.js';
import { tokenizeWithSound } from './sound.js';
import { detectLanguage } from '../language/detect.js';
import { tokenize, type Lang } from './text.js';
import { languageWords, spellingCorrectorFor, type SpellingCorrector } from './spelling.js';
import { MessageAnalyser, segmentsOf, type Segment } from './understanding.js';
import { ManualVocabulary } from './vocabulary.js';
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
  /**
   * Whether the sentence encoder took part, when it could (a fault description in a
   * language the model knows): 'used'; 'not-needed' (the lexical evidence decided);
   * 'over-budget' (the encoder would have made the answer late: answered lexically).
   */
  dense?: DenseUse;
  results: Suggestion[];
}

export type DenseUse = 'used' | 'not-needed' | 'over-budget';

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
/** A product line stays plausible while its best entry reaches this share of the best score. */
const PLAUSIBLE_LINE_SHARE = 0.75;
/** …and the words themselves give it at least this share of the best line's votes. */
const PLAUSIBLE_LINE_VOTES = 0.5;
/** A word matched only by how it sounds counts this much of a written match. */
const SOUND_CREDIT = 0.7;
/** Evidence against (ruled-out mentions) takes at most this share of a fault's evidence for. */
const MAX_AGAINST_SHARE = 0.6;
/** Longer texts are cut: a 1 MB paste must not cost more than a paragraph does. */
export const MAX_QUERY_CHARS = 2000;

/**
 * Ranking settings, chosen on the calibration set (test/eval/calibration.jsonl and
 * dev.jsonl), never per query. `linePrior`: how much the product line the fault's own
 * words point to lifts that line's entries when no machine is named (0 = not at all);
 * `safeLead`: a stop-work entry (self_service "no") within this share of the top
 * score leads — the safe mistake; `denseWeight`: the dense channel's weight in the
 * reciprocal-rank fusion.
 */
export interface Tuning {
  linePrior: number;
  /** Weight of the evidence against from ruled-out clauses. */
  against: number;
  safeLead: number;
  denseWeight: number;
  /** Weight of how words sound (pinyin, metaphone) against how they are written, in the lexical channel. */
  soundBoost: number;
  /**
   * When the lexical evidence decides and the encoder is not asked (needsDenseChannel):
   * the top fault explains at least `coverage` of the message's information, its lexical
   * strength reaches `strength` and it leads the runner-up's score by `lead`.
   */
  lexicalDecides: { coverage: number; strength: number; lead: number };
  /**
   * How a complaint's evidence grows with its best BM25 score when a message has several
   * (1: as BM25 has it; lower: a clause's share is capped toward the strongest clause's).
   */
  clauseShare: number;
}
export const DEFAULT_TUNING: Tuning = {
  linePrior: 0.8,
  against: 1,
  safeLead: 0.85,
  denseWeight: 0.5,
  soundBoost: SOUND_BOOST,
  lexicalDecides: { coverage: 0.25, strength: 0.5, lead: 0.03 },
  clauseShare: 0.5,
};

/** Texts whose reading the engine remembers (several turns at once on one server). */
const RECENT_READINGS = 128;

interface Reading {
  /** The text as every step reads it (plainText: spelling corrected, idioms in plain words). */
  rewritten: string;
  language: ReturnType<typeof detectLanguage>;
  analysis: ReturnType<MessageAnalyser['analyse']>;
  intent: ReturnType<IntentDetector['detect']>;
  machine: ReturnType<ProductLineDetector['detect']>;
  /** The machine named in the text read without its clauses (detectMachine), when asked. */
  named?: ReturnType<ProductLineDetector['detect']>;
}

interface Candidate {
  faultId: string;
  /** Evidence for (weighted sum over the message's complaints) minus evidence against (ruled-out clauses). */
  lexScore: number;
  against: number;
  lexRank?: number;
  matched: Set<string>;
  bestLexPhrasing?: number;
  bestLexHit: number;
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
  private readonly vocabulary: ManualVocabulary;
  private readonly lines: ProductLineDetector;
  private readonly analyser: MessageAnalyser;
  private readonly intents: IntentDetector;
  private readonly readings = new Map<string, Reading>();
  private readonly speller: SpellingCorrector;
  private readonly queryCache = new Map<string, Float32Array>();
  /** How often the sentence encoder was asked for (ranked queries, of those the ones embedded, and of those the ones it was too late for). */
  readonly encoderUse = { ranked: 0, embedded: 0, late: 0 };
  /**
   * The encoder-time budget, ms: a query whose vector would come later is answered
   * lexically (dense: 'over-budget'). Set by the server (ENCODER_BUDGET_MS); unset (the
   * default, and for evaluation) the engine waits for the encoder, so figures do not
   * depend on how busy the machine is.
   */
  encoderBudgetMs: number | undefined;

  constructor(
    readonly kb: KnowledgeBase,
    readonly language: LanguageData,
    private readonly dense: DenseChannel | undefined,
    private readonly calibration: Calibration = DEFAULT_CALIBRATION,
    private readonly channels: EngineChannels = { lexical: true, dense: true },
    corpus?: Phrasing[],
    readonly tuning: Tuning = DEFAULT_TUNING,
    shared?: { lexical: LexicalIndex; vocabulary: ManualVocabulary },
  ) {
    this.corpus = corpus ?? buildCorpus(kb);
    this.analyser = new MessageAnalyser(language.cues);
    // The lexical channel reads the manual as it reads messages (lexicalForm), same positions.
    const lexicalCorpus = () => this.corpus.map((p) => ({ ...p, text: this.analyser.lexicalForm(p.text) }));
    this.lexical =
      shared && shared.lexical.soundBoost === tuning.soundBoost ? shared.lexical : new LexicalIndex(lexicalCorpus(), tuning.soundBoost);
    this.vocabulary = shared?.vocabulary ?? new ManualVocabulary(lexicalCorpus());
    this.lines = new ProductLineDetector(
      kb.policy,
      language.otherEquipment,
      this.analyser,
      this.vocabulary,
      language.otherEquipmentByContext,
      new ModelCodeReader(language.modelCodes ?? { lines: [] }, (code) => kb.productLines.has(code)),
    );
    this.intents = new IntentDetector(language.intents, this.analyser, manualTermGuard(this.corpus), partNameFragments(kb));
    this.speller = spellingCorrectorFor(this.corpus, () => languageWords(language));
  }

  /** The text as every step reads it: cut to size, misspelt English words corrected, idioms in plain words. */
  private plainText(rawText: string): string {
    return this.analyser.rewrite(this.speller.correct(rawText.slice(0, MAX_QUERY_CHARS)).text);
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
    return new SuggestionEngine(this.kb, this.language, this.dense, this.calibration, channels, this.corpus, this.tuning, this.shared);
  }

  /** A view of this engine with other ranking settings or abstention model (for calibration). */
  withSettings(settings: { tuning?: Partial<Tuning>; calibration?: Calibration }): SuggestionEngine {
    return new SuggestionEngine(
      this.kb,
      this.language,
      this.dense,
      settings.calibration ?? this.calibration,
      this.channels,
      this.corpus,
      { ...this.tuning, ...settings.tuning },
      this.shared,
    );
  }

  private get shared() {
    return { lexical: this.lexical, vocabulary: this.vocabulary };
  }

  /** The machine a text names (ours, or one we do not service) and the words about the fault. */
  detectMachine(text: string): { line?: ProductLineCode; otherMachine: boolean; faultWords: string[] } {
    const reading = this.read(text);
    reading.named ??= this.lines.detect(reading.rewritten);
    const named = reading.named;
    return { line: named.line, otherMachine: named.otherMachine, faultWords: tokenize(named.remainder) };
  }

  /**
   * What the engine reads from a text before ranking, remembered for the last few texts:
   * one chat turn asks the engine about the same message several times (its intent, its
   * machine, the manual with and without the machine's line), and this reading was half
   * of each ask.
   */
  private read(rawText: string): Reading {
    const known = this.readings.get(rawText);
    if (known) return known;
    const rewritten = this.plainText(rawText);
    const text = rewritten.trim();
    const analysis = this.analyser.analyse(text);
    const reading: Reading = {
      rewritten,
      language: detectLanguage(text),
      analysis,
      // A request (quote, invoice, greeting …) is still ranked against the manual, lexically,
      // so staff see what the words would have matched; it is never answered as a fault.
      intent: this.intents.detect(analysis.normalised),
      machine: this.lines.detect(text, analysis.clauses),
    };
    this.readings.set(rawText, reading);
    if (this.readings.size > RECENT_READINGS) this.readings.delete(this.readings.keys().next().value!);
    return reading;
  }

  /**
   * The request a text makes when it is not a fault (knowledge/intents.yaml: a quote, an
   * invoice, the own ticket, thanks …), without ranking the manual: the conversation's
   * turn handler asks before a triage starts.
   */
  detectIntent(text: string): { id: string; route: IntentRoute } | undefined {
    const found = this.read(text).intent;
    return found && { id: found.id, route: found.route };
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
    const { language, analysis, intent, machine } = this.read(rawText);
    const limit = Math.max(1, Math.min(opts.limit ?? 5, 20));
    const detected = opts.productLine ? undefined : machine.line;
    if (!intent && machine.otherMachine && !opts.productLine) {
      return { response: { abstain: true, reason: 'other-machine', confidence: 0, language, results: [] } };
    }
    // A machine named in the text narrows the search just as a chosen filter does.
    const allowLine = opts.productLine ?? detected;
    const allow = allowLine ? (p: Phrasing) => p.productLine === allowLine : undefined;
    // The machine's name is left out of what is matched: naming a pump truck says which
    // machine, not which of its faults.
    const segments = segmentsOf(analysis.clauses, this.analyser.withoutStory(machine.remainder));
    // What the lexical channel matches (and the confidence counts): the segments in its reading.
    const lexicalSegments = segments.map((s) => ({ ...s, text: this.analyser.lexicalForm(s.text) }));
    const weighted = this.weightedTokens(lexicalSegments);
    // A danger the message rules out ("no smoke", "没冒烟") does not make it dangerous.
    const affirmed = this.analyser.affirmed(analysis);

    const candidates = new Map<string, Candidate>();
    const get = (faultId: string) => {
      let c = candidates.get(faultId);
      if (!c) {
        c = { faultId, lexScore: 0, against: 0, matched: new Set(), bestLexHit: 0, similarity: 0, fused: 0 };
        candidates.set(faultId, c);
      }
      return c;
    };

    if (this.channels.lexical && weighted.length > 0) {
      this.scoreSegments(lexicalSegments, allow, candidates, get);
      if (!allowLine && this.tuning.linePrior > 0) this.applyLinePrior(candidates, weighted);
      if (this.analyser.isDangerous(affirmed)) this.safeMistake(candidates, affirmed);
      rank(
        candidates,
        (c) => c.lexScore,
        (c, r) => (c.lexRank = r),
      );
    }

    const faultText =
      segments
        .filter((s) => s.weight > 0 && s.symptomatic)
        .map((s) => s.text)
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim() ||
      segments
        .filter((s) => s.weight > 0)
        .map((s) => s.text)
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim();
    const denseCould =
      !intent && this.channels.dense && this.dense !== undefined && this.dense.knows(language) && /[\p{L}\p{N}]/u.test(faultText);
    let useDense = denseCould && (this.channels.alwaysDense === true || this.needsDenseChannel(candidates, weighted));
    if (weighted.length > 0 && !intent) this.encoderUse.ranked++;
    // The complaints only (not ruled-out parts, not context): what the operator says is wrong.
    const vector = useDense ? await this.embedQuery(faultText, opts.signal) : undefined;
    if (useDense) this.encoderUse.embedded++;
    if (vector === 'late') {
      this.encoderUse.late++;
      useDense = false;
    }
    const dense: DenseUse | undefined = !denseCould ? undefined : vector === 'late' ? 'over-budget' : useDense ? 'used' : 'not-needed';
    if (useDense && vector && vector !== 'late') {
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
      rank(
        candidates,
        (c) => c.similarity,
        (c, r) => (c.denseRank = r),
      );
    }

    const dw = this.tuning.denseWeight;
    for (const c of candidates.values()) {
      c.fused = (c.lexRank ? 1 / (RRF_K + c.lexRank) : 0) + (c.denseRank ? dw / (RRF_K + c.denseRank) : 0);
    }
    const ranked = [...candidates.values()].filter((c) => c.fused > 0).sort((a, b) => b.fused - a.fused || b.lexScore - a.lexScore);
    // The dense channel must not undo the safe mistake: it knows what the words mean, not
    // which mistake is the dangerous one.
    if (useDense && this.analyser.isDangerous(affirmed)) this.safeMistakeAfterFusion(ranked, affirmed);
    const top = ranked[0];
    if (!top) {
      const why = intent ? { reason: 'intent' as const, intent: { id: intent.id, route: intent.route } } : { reason: 'no-match' as const };
      return {
        response: {
          abstain: true,
          ...why,
          confidence: 0,
          language,
          detectedProductLine: detected,
          ...(dense ? { dense } : {}),
          results: [],
        },
      };
    }

    const shares = this.vocabulary.lineShares(weighted);
    const topLine = this.kb.faultsById.get(top.faultId)!.product_line;
    const features: FeatureVector = {
      coverage: this.coverage(weighted, top.matched),
      lexicalStrength: lexicalStrength(top.lexScore),
      similarity: useDense ? Math.max(0, top.similarity) : 0,
      // On the squashed scale: a lone weak match has no real lead.
      margin: Math.max(0, lexicalStrength(top.lexScore) - lexicalStrength(ranked[1]?.lexScore ?? 0)),
      lineFit: allowLine ? 1 : (shares.get(topLine) ?? 0),
      unknownShare: this.unknownShare(weighted),
      describesFault: analysis.symptomatic ? 1 : 0,
      matchedInformation: this.matchedInformation(weighted, top.matched),
      lead: top.lexScore > 0 ? Math.max(0, 1 - (ranked[1]?.lexScore ?? 0) / top.lexScore) : 0,
      coverageLead: Math.max(0, this.coverage(weighted, top.matched) - (ranked[1] ? this.coverage(weighted, ranked[1].matched) : 0)),
    };
    const model = useDense ? this.calibration.hybrid : this.calibration.lexicalOnly;
    // Sure it is a request, the engine has no confidence in any fault.
    const conf = intent ? 0 : confidence(model, features);

    // Scores compare candidates on their evidence (RRF ranks alone say little about how
    // far apart two candidates are): the share of the best lexical score and of the best
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
    const plausibleLines = allowLine || intent ? [] : this.plausibleLines(ranked, shares);
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
        ...(dense ? { dense } : {}),
        results,
      },
      evidence: { features, hybrid: useDense },
    };
  }

  /**
   * Lexical evidence per fault: every complaint of the message is matched on its own and
   * counts with its weight (the primary complaint most, a minor one little, context
   * least), and what the message rules out ("the boom is fine", "不是臂架") counts
   * against the faults it matches. A fault's phrasings may explain different complaints.
   */
  private scoreSegments(
    segments: Segment[],
    allow: ((p: Phrasing) => boolean) | undefined,
    candidates: Map<string, Candidate>,
    get: (id: string) => Candidate,
  ) {
    const perSegment: { seg: Segment; best: Map<string, { score: number; phrasing: number; matched: string[] }> }[] = [];
    for (const seg of segments) {
      if (!/[\p{L}\p{N}]/u.test(seg.text)) continue;
      const best = new Map<string, { score: number; phrasing: number; matched: string[] }>();
      for (const hit of this.lexical.query(seg.text, allow)) {
        // What is ruled out speaks against the entries it is the subject of (their titles), not
        // against every phrasing that mentions it ("hoisting's fine" is in the trolley entry's words too).
        if (seg.weight < 0 && this.corpus[hit.phrasing]!.kind !== 'title') continue;
        const id = this.corpus[hit.phrasing]!.faultId;
        const b = best.get(id);
        if (!b || hit.score > b.score) best.set(id, { score: hit.score, phrasing: hit.phrasing, matched: hit.matched });
        else if (b) b.matched = [...new Set([...b.matched, ...hit.matched])];
      }
      perSegment.push({ seg, best });
    }
    // Each complaint's share of the evidence is capped: a long clause scores high in BM25
    // for its length alone, so the clauses' best scores are compressed (each clause's
    // scale is (strongest / its best)^(1 - clauseShare); scores within a clause keep their
    // order) and a short clause carrying the fault is not outvoted by a long minor one.
    const segMax = perSegment.map(({ best }) => Math.max(0, ...[...best.values()].map((b) => b.score)));
    const positive = perSegment.filter(({ seg }) => seg.weight > 0).length;
    const strongest = Math.max(0, ...segMax.filter((_, i) => perSegment[i]!.seg.weight > 0));
    const exponent = this.tuning.clauseShare;
    const raw = new Map<string, number>();
    perSegment.forEach(({ seg, best }, i) => {
      const scale = positive >= 2 && seg.weight > 0 && segMax[i]! > 0 ? Math.pow(strongest / segMax[i]!, 1 - exponent) : 1;
      for (const [id, b] of best) {
        const c = get(id);
        if (seg.weight < 0) {
          c.against += -seg.weight * b.score;
          continue;
        }
        const score = b.score * scale;
        c.lexScore += seg.weight * score;
        raw.set(id, (raw.get(id) ?? 0) + seg.weight * b.score);
        b.matched.forEach((t) => c.matched.add(t));
        if (seg.weight * score > c.bestLexHit) {
          c.bestLexHit = seg.weight * score;
          c.bestLexPhrasing = b.phrasing;
        }
      }
    });
    // The compression re-ranks; it does not make the evidence stronger: the best candidate
    // keeps the strength BM25 gave it (the confidence model reads it).
    const scaledTop = Math.max(0, ...[...candidates.values()].map((c) => c.lexScore));
    const rawTop = Math.max(0, ...raw.values());
    if (scaledTop > 0 && rawTop > 0) {
      for (const c of candidates.values()) {
        c.lexScore *= rawTop / scaledTop;
        c.bestLexHit *= rawTop / scaledTop;
      }
    }
    for (const [id, c] of candidates) {
      // What is ruled out counts against, but never takes away more than a share of the evidence for.
      c.lexScore = Math.max(0, c.lexScore - Math.min(c.against * this.tuning.against, c.lexScore * MAX_AGAINST_SHARE));
      // Matched only by what the message rules out: not a candidate at all.
      if (c.bestLexPhrasing === undefined) candidates.delete(id);
    }
  }

  /** When nobody names the machine, the fault's own words ("screed", "熨平板") say which line is likelier. */
  private applyLinePrior(candidates: Map<string, Candidate>, weighted: WeightedToken[]) {
    const shares = this.vocabulary.lineShares(weighted);
    if (shares.size === 0) return;
    const n = this.vocabulary.lines.length;
    for (const c of candidates.values()) {
      const share = shares.get(this.kb.faultsById.get(c.faultId)!.product_line) ?? 0;
      c.lexScore *= Math.pow(Math.max(share * n, 0.05), this.tuning.linePrior);
    }
  }

  /**
   * The safe mistake: when a stop-work entry (not operator-serviceable) comes close to a
   * self-service one for a dangerous description, the stop-work entry leads, so that a
   * dangerous situation is never walked through self-service steps.
   */
  private safeMistake(candidates: Map<string, Candidate>, text: string) {
    const byScore = [...candidates.values()].sort((a, b) => b.lexScore - a.lexScore);
    const safe = this.safeCandidate(byScore, text);
    if (safe) safe.lexScore = byScore[0]!.lexScore * 1.0001;
  }

  /** The safe mistake on the fused ranking, so that the dense channel cannot undo it. */
  private safeMistakeAfterFusion(ranked: Candidate[], text: string) {
    const safe = this.safeCandidate(ranked, text);
    if (safe) ranked.unshift(...ranked.splice(ranked.indexOf(safe), 1));
  }

  /**
   * The stop-work entry that should lead a self-service top candidate (`ordered[0]`):
   * of the top's line, with lexical evidence within `safeLead` of the top's, and among
   * those the one about the same danger as the message (most shared danger cues: a fire
   * is the fire entry, not the runaway one), then the best placed.
   */
  private safeCandidate(ordered: Candidate[], text: string): Candidate | undefined {
    const top = ordered[0];
    if (!top || this.kb.faultsById.get(top.faultId)!.self_service === 'no') return undefined;
    const line = this.kb.faultsById.get(top.faultId)!.product_line;
    const eligible = ordered.filter((c) => {
      const f = this.kb.faultsById.get(c.faultId)!;
      return f.self_service === 'no' && f.product_line === line && c.lexScore >= top.lexScore * this.tuning.safeLead;
    });
    if (eligible.length <= 1) return eligible[0];
    const cues = this.analyser.dangerCues(text);
    const shared = (c: Candidate) => [...this.dangerCuesOf(c.faultId)].filter((cue) => cues.has(cue)).length;
    return eligible.reduce((best, c) => (shared(c) > shared(best) ? c : best));
  }

  private readonly faultDangerCues = new Map<string, Set<string>>();

  /** The danger cues a fault entry's own title and symptom phrasings name (computed once per entry). */
  private dangerCuesOf(faultId: string): Set<string> {
    let cues = this.faultDangerCues.get(faultId);
    if (!cues) {
      const f = this.kb.faultsById.get(faultId)!;
      const text = normaliseText([f.title.en, f.title.zh, ...f.symptoms.en, ...f.symptoms.zh].join('. '));
      cues = this.analyser.dangerCues(text);
      this.faultDangerCues.set(faultId, cues);
    }
    return cues;
  }

  /**
   * Product lines that stay plausible when the message names no machine: the words point
   * to them (their share of the line votes) and their best entry comes close to the best.
   */
  private plausibleLines(ranked: Candidate[], shares: Map<ProductLineCode, number>): ProductLineCode[] {
    const best = new Map<ProductLineCode, number>();
    for (const c of ranked.slice(0, 10)) {
      const line = this.kb.faultsById.get(c.faultId)!.product_line;
      best.set(line, Math.max(best.get(line) ?? 0, c.lexScore));
    }
    const top = Math.max(0, ...best.values());
    const topShare = Math.max(0, ...shares.values());
    if (top === 0) return [];
    return [...best]
      .filter(([line, s]) => s >= top * PLAUSIBLE_LINE_SHARE && (shares.get(line) ?? 0) >= topShare * PLAUSIBLE_LINE_VOTES)
      .sort((a, b) => b[1] - a[1])
      .map(([l]) => l);
  }

  /**
   * Does this query need the dense channel? The sentence encoder is by far the dearest
   * step of a query (~16–22 ms of CPU against ~1 ms for everything else), so it is spent
   * only where the lexical evidence does not decide: no lexical match, a top candidate
   * that explains too little of the message or matches weakly, or a runner-up close
   * behind. When the lexical top is clear, the answer is the lexical channel's.
   */
  private needsDenseChannel(candidates: ReadonlyMap<string, Candidate>, weighted: WeightedToken[]): boolean {
    const byScore = [...candidates.values()].filter((c) => c.lexScore > 0).sort((a, b) => b.lexScore - a.lexScore);
    const top = byScore[0];
    if (!top) return true;
    const lead = byScore[1] ? 1 - byScore[1].lexScore / top.lexScore : 1;
    const gate = this.tuning.lexicalDecides;
    const decided =
      this.coverage(weighted, top.matched) >= gate.coverage && lexicalStrength(top.lexScore) >= gate.strength && lead >= gate.lead;
    return !decided;
  }

  /** The content tokens of the message's positive segments, each with its segment's weight and its sound forms. */
  private weightedTokens(segments: Segment[]): WeightedToken[] {
    const out = new Map<string, WeightedToken>();
    for (const seg of segments) {
      if (seg.weight <= 0) continue;
      for (const t of tokenizeWithSound(seg.text)) {
        const w = seg.weight * this.lexical.idf(t.token);
        const prev = out.get(t.token);
        if (!prev || prev.weight < w) out.set(t.token, { token: t.token, weight: w, sounds: t.sounds });
      }
    }
    return [...out.values()];
  }

  /**
   * Share of the message's information (IDF-weighted content tokens, by the weight of
   * the complaint they are in) that the top fault's phrasings account for — written the
   * same or sounding the same. Machine names were blanked out before: naming a pump
   * truck says which machine, not that the text describes one of its faults.
   */
  private coverage(weighted: WeightedToken[], matched: Set<string>): number {
    let total = 0;
    let hit = 0;
    for (const t of weighted) {
      total += t.weight;
      if (matched.has(t.token)) hit += t.weight;
      else if (t.sounds.some((s) => matched.has(s))) hit += t.weight * SOUND_CREDIT;
    }
    return total === 0 ? 0 : hit / total;
  }

  /** How much information the top fault's matches carry in all (IDF of the matched tokens), squashed onto 0–1. */
  private matchedInformation(weighted: WeightedToken[], matched: Set<string>): number {
    let hit = 0;
    for (const t of weighted) {
      if (matched.has(t.token)) hit += t.weight;
      else if (t.sounds.some((s) => matched.has(s))) hit += t.weight * SOUND_CREDIT;
    }
    return 1 - Math.exp(-hit / 8);
  }

  /** Share of the message's information in words the manual never uses ("trencher", "洗衣机"). */
  private unknownShare(weighted: WeightedToken[]): number {
    let total = 0;
    let unknown = 0;
    for (const t of weighted) {
      total += t.weight;
      if (!this.lexical.knows(t.token)) unknown += t.weight;
    }
    return total === 0 ? 0 : unknown / total;
  }

  /** The query's vector, or 'late' when the encoder could not give it within the budget. */
  private async embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array | 'late'> {
    const cached = this.queryCache.get(text);
    if (cached) return cached;
    let vector: Float32Array | undefined;
    try {
      [vector] = await this.dense!.embedder.embed([text], { signal, deadlineMs: this.encoderBudgetMs || undefined });
    } catch (err) {
      if (err instanceof EncoderLateError) return 'late';
      throw err;
    }
    if (this.queryCache.size >= 2000) this.queryCache.delete(this.queryCache.keys().next().value!);
    this.queryCache.set(text, vector!);
    return vector!;
  }
}

interface WeightedToken {
  token: string;
  weight: number;
  sounds: string[];
}

function rank(candidates: Map<string, Candidate>, score: (c: Candidate) => number, set: (c: Candidate, r: number) => void) {
  [...candidates.values()]
    .filter((c) => score(c) > 0)
    .sort((a, b) => score(b) - score(a))
    .forEach((c, i) => set(c, i + 1));
}

/** Lexical score mapped onto 0–1 (a feature of the abstention model). */
function lexicalStrength(score: number): number {
  return 1 - Math.exp(-score / 10);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * The names of our parts as people write them: each catalogue name and its parts split at
 * brackets and commas ("Wear plate (spectacle plate)" → "wear plate", "spectacle plate"; 管卡).
 */
function partNameFragments(kb: KnowledgeBase): string[] {
  const out = new Set<string>();
  for (const part of kb.parts.values()) {
    for (const name of [part.name.en, part.name.zh]) {
      for (const f of normaliseText(name).split(/[()（）,，、/;；]+/u)) {
        const t = f.trim();
        if (/[\u3400-\u9fff]/u.test(t) ? t.length >= 2 : /[a-z]{3,}/.test(t)) out.add(t);
      }
    }
  }
  return [...out];
}
