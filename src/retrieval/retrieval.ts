import type { KnowledgeBase } from '../knowledge/load.js';
import type { ProductLineCode } from '../knowledge/schema.js';
import type { IntentRoute, LanguageData } from './language-data.js';
import type { SuggestOptions, SuggestResponse } from './engine.js';

/** The machine a text names (ours, or one we do not service) and the words about the fault. */
export interface MachineReading {
  line?: ProductLineCode;
  otherMachine: boolean;
  faultWords: string[];
}

/**
 * What the bot, the panel and the HTTP API ask of retrieval. The engine answers in the
 * calling thread (SuggestionEngine) or in worker threads (EngineThreads, the server's
 * default), so every ask may be awaited.
 */
export interface Retrieval {
  readonly kb: KnowledgeBase;
  readonly language: LanguageData;
  suggest(text: string, opts?: SuggestOptions): Promise<SuggestResponse>;
  detectMachine(text: string): MachineReading | Promise<MachineReading>;
  /** A request that is not a fault (knowledge/intents.yaml), without ranking the manual. */
  detectIntent(text: string): { id: string; route: IntentRoute } | undefined | Promise<{ id: string; route: IntentRoute } | undefined>;
  /** Called with every answer (metrics count matches and abstentions). */
  observe(fn: (r: SuggestResponse) => void): void;
  close(): Promise<void>;
}
