#!/usr/bin/env node
import { LANGUAGES } from '../language/languages.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { calibrate } from '../evaluation/calibrate.js';
import { evaluate, outcomeDetails } from '../evaluation/evaluate.js';
import { readQuerySet } from '../evaluation/query-set.js';
import { formatProblem, inspectKnowledge } from '../knowledge/load.js';
import { inspectMaintenance } from '../maintenance/knowledge.js';
import { inspectLanguageData } from '../retrieval/language-data.js';
import { calibrationPath, openEngine } from '../retrieval/open-engine.js';
import { z } from 'zod';
import { addSymptomPhrasing } from '../feedback/accept.js';
import { GapStore } from '../feedback/gap-store.js';
import { gapTextForTerminal } from '../feedback/gap-text.js';
import { openDatabase } from '../storage/open-database.js';
import { printEvalReport } from './eval-report.js';

const USAGE = `Usage: node dist/src/cli/main.js <command> [options]

Commands:
  serve                         start the HTTP server (what npm start runs)
  validate                      check every file under knowledge/; non-zero exit on problems
  build-index                   embed the manual and save the dense index under DATA_DIR
  suggest "<text>" [--line PT] [--limit N]
                                print the engine's suggestions as JSON
  eval --file Q.jsonl [--json] [--details]
                                retrieval metrics on a query file (overall, per tag,
                                intents, calibration); --details: one JSON line per query
  eval-chat --file C.json [--json] [--details] [--strict] [--url http://host:port] [--concurrency 2]
                                scripted conversations (test/conversations/*.json) against the
                                real bot over Direct Line (a server started in-process unless
                                --url); PASS/FAIL per conversation and the summary by tag;
                                --strict: exit 1 when one fails
  calibrate --file Q.jsonl[,R.jsonl]
                                fit the confidence model for the active embedder on one
                                or more query files and store it in knowledge/calibration.json
  gaps [list] [--status open|accepted|rejected|all]
                                knowledge-gap items: operators' words the manual missed
  gaps accept <id> --fault PT-H01 [--lang en|zh]
                                add the item's words to that fault as a symptom phrasing
  gaps reject <id> [--reason "..."]
  seed [--machines 300] [--seed 1]
                                demo data into an empty store: an installed base over the
                                seven lines and a year of tickets, inspections and outcomes

Environment: see README (PORT, DATA_DIR, KNOWLEDGE_DIR, LOG_LEVEL, EMBEDDER, EMBEDDER_MODEL_DIR).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      json: { type: 'boolean', default: false },
      details: { type: 'boolean', default: false },
      line: { type: 'string' },
      limit: { type: 'string' },
      status: { type: 'string' },
      fault: { type: 'string' },
      lang: { type: 'string' },
      reason: { type: 'string' },
      machines: { type: 'string' },
      seed: { type: 'string' },
      strict: { type: 'boolean', default: false },
      url: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (!command || values.help || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  // The CLI's stdout is for results (JSON); logs go to stderr and stay quiet by default.
  const log = createLogger(process.env.LOG_LEVEL ?? (command === 'serve' ? config.logLevel : 'warn'));

  switch (command) {
    case 'serve': {
      const { startServer } = await import('../server/server.js');
      const app = await startServer(config, log);
      // A manual that does not load, a bad index … cannot heal by waiting: say so and stop.
      app.ready.catch((err: unknown) => {
        log.fatal({ err }, 'could not start');
        process.exit(1);
      });
      // Stop accepting, let the store close, then exit (so exit hooks such as --cpu-prof run).
      const stop = (signal: string) => {
        log.info({ signal }, 'shutting down');
        void app.close().finally(() => process.exit(0));
        setTimeout(() => process.exit(0), 5000).unref();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return -1; // keep running
    }
    case 'validate': {
      const inspected = inspectKnowledge(config.knowledgeDir);
      const { kb } = inspected;
      const maintenance = kb ? inspectMaintenance(config.knowledgeDir, kb) : undefined;
      const problems = [...inspected.problems, ...(maintenance?.problems ?? [])];
      // The retrieval engine's vocabularies (intents, message cues) live beside the manual.
      problems.push(...inspectLanguageData(config.knowledgeDir).problems);
      if (problems.length > 0) {
        console.error(`${config.knowledgeDir}: ${problems.length} problem(s)`);
        for (const p of problems) console.error(formatProblem(p));
        return 1;
      }
      const defaults = kb!.faults.filter((f) => f.review.status !== 'reviewed').length;
      console.log(
        `OK: ${kb!.faults.length} faults on ${kb!.productLines.codes.length} product lines, ${kb!.parts.size} parts, ` +
          `${kb!.grades.length} grades (${defaults} entries still marked default/draft, awaiting review); ` +
          `maintenance: ${maintenance!.maintenance!.plans.size} plans, ${[...maintenance!.maintenance!.checklists.values()].reduce((n, c) => n + c.items.length, 0)} checklist items on ${maintenance!.maintenance!.checklists.size} lines`,
      );
      return 0;
    }
    case 'build-index': {
      const engine = await openEngine(config, log);
      console.log(`Index ready: ${engine.corpus.length} phrasings from ${engine.kb.faults.length} faults`);
      return 0;
    }
    case 'suggest': {
      const text = positionals.join(' ');
      if (!text) throw new UsageError('suggest needs the text to match');
      const engine = await openEngine(config, log);
      const productLine = engine.kb.productLines.parseOptional(values.line, '--line');
      const res = await engine.suggest(text, { productLine, limit: values.limit ? Number(values.limit) : 5 });
      console.log(JSON.stringify(res, null, 2));
      return 0;
    }
    case 'eval': {
      const queries = readQuerySet(requireFile(values.file));
      const engine = await openEngine(config, log);
      const { report, outcomes } = await evaluate(engine, queries, engine.embedderId);
      if (values.details) for (const o of outcomes) console.log(JSON.stringify(outcomeDetails(o)));
      if (values.json) console.log(JSON.stringify(report));
      else if (!values.details) printEvalReport(report, outcomes);
      return 0;
    }
    case 'eval-chat': {
      const { evalChatCommand } = await import('./eval-chat.js');
      return evalChatCommand(config, {
        file: requireFile(values.file),
        json: values.json,
        details: values.details,
        strict: values.strict,
        url: values.url,
        concurrency: values.concurrency,
      });
    }
    case 'calibrate': {
      // Several files may be given, comma-separated: they are fitted on together.
      const files = (values.file ?? '')
        .split(',')
        .filter(Boolean)
        .map((f) => requireFile(f));
      if (files.length === 0) requireFile(undefined);
      const engine = await openEngine(config, log);
      const key = engine.embedderId;
      const { calibration: fitted, crossValidation } = await calibrate(
        engine,
        files.flatMap((f) => readQuerySet(f)),
        key,
        files.join(' + '),
      );
      for (const { model, chosen, tried } of crossValidation) {
        console.log(`Cross-validated (5-fold × 5 repeats, out of fold) candidates for the ${model} model:`);
        console.log('penalty  L2      log-loss  ECE    AUROC  confident  confident-wrong');
        for (const c of tried) {
          const mark = c === chosen ? '  ← chosen' : '';
          console.log(
            `${String(c.options.penalty).padEnd(8)} ${String(c.options.l2).padEnd(7)} ${c.logLoss.toFixed(4)}    ${c.ece.toFixed(3)}  ` +
              `${c.auroc.toFixed(3)}  ${(100 * c.confidentShare).toFixed(1).padStart(5)} %    ${(100 * c.confidentWrong).toFixed(2)} %${mark}`,
          );
        }
      }
      const path = calibrationPath(config.knowledgeDir);
      const all = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
      all[key] = fitted;
      writeFileSync(path, JSON.stringify(all, null, 2) + '\n');
      console.log(`Calibration for ${key} written to ${path}:\n${JSON.stringify(fitted, null, 2)}`);
      return 0;
    }
    case 'gaps':
      return gapsCommand(config, positionals, values);
    case 'seed': {
      const { seedDemo } = await import('../seed/demo.js');
      const { loadKnowledge } = await import('../knowledge/load.js');
      const { loadMaintenance } = await import('../maintenance/knowledge.js');
      const kb = loadKnowledge(config.knowledgeDir);
      const machines = z.coerce
        .number()
        .int()
        .min(7)
        .max(5000)
        .parse(values.machines ?? '300');
      const seed = z.coerce
        .number()
        .int()
        .parse(values.seed ?? '1');
      const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const started = performance.now();
        const report = await seedDemo(db, kb, loadMaintenance(config.knowledgeDir, kb), { machines, seed, now: new Date(), days: 365 });
        console.log(
          `seeded ${config.databaseUrl ? 'PostgreSQL' : config.dataDir}: ${JSON.stringify(report)} in ${Math.round((performance.now() - started) / 1000)} s`,
        );
      } finally {
        await db.close();
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

async function gapsCommand(
  config: ReturnType<typeof loadConfig>,
  [action = 'list', id]: string[],
  values: { status?: string; fault?: string; lang?: string; reason?: string },
): Promise<number> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const gaps = new GapStore(db);
    if (action === 'list') {
      const status = z.enum(['open', 'accepted', 'rejected', 'all']).parse(values.status ?? 'open');
      const items = await gaps.list(status);
      if (items.length === 0) console.log(`no ${status === 'all' ? '' : `${status} `}knowledge-gap items`);
      for (const g of items) {
        console.log(
          `${g.id.slice(0, 8)}  ${g.createdAt.slice(0, 10)}  ${g.source.padEnd(24)} ${g.productLine ?? '--'}  matched ${g.matchedFaultId ?? '-'} actual ${g.actualFaultId ?? '-'}  [${g.status}]  «${gapTextForTerminal(g.text.slice(0, 120))}»`,
        );
      }
      return 0;
    }
    if (!id) throw new UsageError(`gaps ${action} needs an item id (the first characters are enough)`);
    const item = await gaps.find(id);
    if (!item) throw new UsageError(`no single knowledge-gap item starts with ${id}`);
    if (action === 'reject') {
      await gaps.resolve(item.id, 'rejected', values.reason ?? 'rejected');
      console.log(`rejected ${item.id.slice(0, 8)}`);
      return 0;
    }
    if (action === 'accept') {
      const faultId = values.fault ?? item.actualFaultId;
      if (!faultId) throw new UsageError('say which fault the words describe: --fault PT-H01');
      const lang = z.enum(LANGUAGES).parse(values.lang ?? (item.language === 'zh' ? 'zh' : 'en'));
      const file = addSymptomPhrasing(config.knowledgeDir, faultId, lang, item.text);
      await gaps.resolve(item.id, 'accepted', `added to ${faultId} symptoms.${lang} in ${file}`);
      console.log(`added to ${faultId} (${lang}) in knowledge/${file}; the index is rebuilt on the next start`);
      return 0;
    }
    throw new UsageError(`unknown gaps action "${action}"`);
  } finally {
    await db.close();
  }
}

function requireFile(file: string | undefined): string {
  if (!file) throw new UsageError('--file <queries.jsonl> is required');
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  return file;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    }
  },
);
