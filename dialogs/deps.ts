import type { GapStore } from '../src/feedback/gap-store.js';
import type { HandoffStore, OutcomeStore } from '../src/records/triage-records.js';
import type { KnowledgeBase } from '../src/knowledge/load.js';
import type { Retrieval } from '../src/retrieval/retrieval.js';
import type { MachineLookup, TicketService } from '../src/tickets/service.js';
import type { SiteInputs } from '../src/conversation/site-inputs.js';
import type { AnswerRecognizers } from '../src/conversation/recognizers/index.js';
import type { SessionAccessor } from './session.js';

/** What the conversation needs from the rest of the assistant. */
export interface TriageDeps {
  /**
   * Only what the conversation asks of the engine: a stub can stand in for it in dialog
   * tests. Requests beside a question (a price at a step) are heard when it reads intents.
   */
  engine: Pick<Retrieval, 'suggest' | 'detectMachine'> & Partial<Pick<Retrieval, 'detectIntent'>>;
  kb: KnowledgeBase;
  tickets: TicketService;
  gaps: GapStore;
  handoffs: HandoffStore;
  outcomes: OutcomeStore;
  session: SessionAccessor;
  /** The installed base: a serial the operator gives fills line, model, customer and warranty. */
  machines?: MachineLookup;
  /** Photos and the position sent from the site. */
  site: SiteInputs;
  /** What people type at the prompts (knowledge/conversation/answers.yaml). */
  answers: AnswerRecognizers;
}
