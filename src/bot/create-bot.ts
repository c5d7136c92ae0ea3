import { ConversationState } from 'botbuilder';
import type { GapStore } from '../feedback/gap-store.js';
import type { KnowledgeBase } from '../knowledge/load.js';
import type { Retrieval } from '../retrieval/retrieval.js';
import type { Database } from '../storage/database.js';
import type { MachineLookup, TicketService } from '../tickets/service.js';
import { DatabaseStorage } from './db-storage.js';
import { HandoffStore, OutcomeStore, type Outcome } from '../records/triage-records.js';
import { TriageBot } from './triage-bot.js';
import { SiteInputs } from '../conversation/site-inputs.js';
import { MediaStore } from '../media/store.js';
import { CommandRecognizer } from '../conversation/commands.js';
import { DangerDetector } from '../conversation/danger.js';
import { TurnHandler } from '../conversation/turn-handler.js';
import { TurnVocabulary } from '../conversation/turn-vocabulary.js';
import { answerRecognizers, type AnswerRecognizers } from '../conversation/recognizers/index.js';
import { fileURLToPath } from 'node:url';

/** The bot wired to the assistant's engine and stores; conversation state lives in the database. */
export function createBot(deps: {
  db: Database;
  /** The knowledge folder (the conversation's vocabularies are under conversation/); by default the repository's. */
  knowledgeDir?: string;
  engine: Retrieval;
  kb: KnowledgeBase;
  tickets: TicketService;
  gaps: GapStore;
  machines?: MachineLookup;
  onOutcome?: (outcome: Outcome) => void;
  /** The roster's name for a technician id ("where is my technician?"). */
  technicianName?: (id: string) => Promise<string | undefined>;
  /** Emergency numbers over knowledge/safety.yaml's (config EMERGENCY_NUMBERS). */
  emergencyNumbers?: Record<string, string>;
  /** The deployment's time zone, for deadlines told to operators. */
  timeZone?: string;
  /** What people type at the prompts; by default the repository's knowledge/conversation. */
  answers?: AnswerRecognizers;
  /** A turn's state save lost to another turn's: 'rerun' (it ran again) or 'given-up'. */
  onStateConflict?: (result: 'rerun' | 'given-up') => void;
}) {
  const conversationState = new ConversationState(new DatabaseStorage(deps.db));
  const handoffs = new HandoffStore(deps.db);
  const outcomes = new OutcomeStore(deps.db, deps.onOutcome);
  const site = new SiteInputs(conversationState, new MediaStore(deps.db), deps.tickets);
  const dir = deps.knowledgeDir ?? DEFAULT_KNOWLEDGE;
  const turns = new TurnHandler({
    kb: deps.kb,
    engine: deps.engine,
    handoffs,
    outcomes,
    tickets: deps.tickets,
    numbers: { ...deps.kb.safety.emergencyNumbers, ...deps.emergencyNumbers },
    danger: DangerDetector.load(dir),
    commands: CommandRecognizer.load(dir),
    vocabulary: TurnVocabulary.load(dir),
    technicianName: deps.technicianName,
    timeZone: deps.timeZone ?? 'Asia/Shanghai',
    conversationTicket: (ctx) => site.ticketOf(ctx),
  });
  const bot = new TriageBot(
    conversationState,
    {
      engine: deps.engine,
      kb: deps.kb,
      tickets: deps.tickets,
      gaps: deps.gaps,
      handoffs,
      outcomes,
      machines: deps.machines,
      site,
      answers: deps.answers ?? answerRecognizers(dir),
    },
    turns,
    deps.onStateConflict,
  );
  return { bot, conversationState, handoffs, outcomes, turns };
}

/** The repository's knowledge folder (dist/src/bot → knowledge). */
const DEFAULT_KNOWLEDGE = fileURLToPath(new URL('../../../knowledge', import.meta.url));
