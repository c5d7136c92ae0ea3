/**
 * Dependency rules: the folders follow the one-way flow of the product
 *
 *   knowledge → retrieval → conversation (dialogs/, src/conversation) / panel → tickets → feedback
 *
 * read as "may be imported by": a folder imports only from folders before it in the
 * flow (or from the foundation: config, storage, errors, language, http helpers), never
 * from one after it. The composition roots (src/server/wiring.ts and server.ts, src/cli, src/seed,
 * the end-to-end conversation evaluation in src/evaluation/chat)
 * may import anything; nothing imports them. `npm run lint` runs these rules.
 */
// The conversation evaluation (src/evaluation/chat) starts the whole server, so it is one too.
const roots = '^src/(cli|seed|evaluation/chat)/|^src/server/(server|wiring)\\.ts$';

/** Folders that only the composition roots and the HTTP layer may import. */
const top = '^src/(server|directline|live|bot)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle between modules makes load order matter and folders inseparable.',
      from: {},
      // Type-only imports are erased at build time and cannot make a load-order cycle.
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-composition-root-imports',
      severity: 'error',
      comment: 'The CLI, the seed and the server wiring assemble the application; nothing depends on them.',
      from: { pathNot: roots },
      to: { path: roots },
    },
    {
      name: 'foundation-imports-nothing',
      severity: 'error',
      comment: 'General errors and language detection are used by every stage, so they depend on none.',
      from: { path: '^src/(errors|language)/' },
      to: { path: '^(dialogs|src)/', pathNot: '^src/(errors|language)/' },
    },
    {
      name: 'config-and-records-are-foundation',
      severity: 'error',
      comment:
        'Configuration (settings, the logger, the staff roles) is read by every stage, and the triage records (handoffs, outcomes, transcripts) are a store the dialogs, the panel API and reports use: each imports only itself, storage and the other foundations, never tickets or anything after them (nor each other). $1 is the folder the import comes from.',
      from: { path: '^src/(config|records)/' },
      to: { path: '^(dialogs|src)/', pathNot: '^src/($1|storage|errors|language)/' },
    },
    {
      name: 'http-helpers-below-routes',
      severity: 'error',
      comment:
        'src/http (guarded handlers, the error envelope, API-key auth, rate limits) is shared by the server routes and the channels; it knows none of them.',
      from: { path: '^src/http/' },
      to: { path: `^(dialogs|src/(conversation|server|web))/|${top}` },
    },
    {
      name: 'knowledge-is-the-source',
      severity: 'error',
      comment: 'The manual is loaded and validated on its own: it imports no later stage.',
      from: { path: '^src/knowledge/' },
      to: {
        path: '^(dialogs|src/(retrieval|evaluation|conversation|bot|tickets|feedback|server|directline|live|web|equipment|roster|maintenance|media|reports|api))/',
      },
    },
    {
      name: 'retrieval-reads-only-knowledge',
      severity: 'error',
      comment: 'Retrieval is built from the manual; the conversation, tickets and the server use it, not the other way round.',
      from: { path: '^src/(retrieval|evaluation)/', pathNot: roots },
      to: {
        path: '^(dialogs|src/(conversation|bot|tickets|feedback|server|directline|live|web|equipment|roster|maintenance|reports|api))/',
      },
    },
    {
      name: 'conversation-stays-below-the-bot',
      severity: 'error',
      comment: 'dialogs/ and src/conversation depend on nothing above them: the bot, channels and server wire them, not the reverse.',
      from: { path: '^(dialogs|src/conversation)/' },
      to: { path: `${top}|^src/(storage|web|api)/` },
    },
    {
      name: 'tickets-below-the-conversation',
      severity: 'error',
      comment: 'Tickets are created by the conversation and the panel; they do not reach back into them or into channels.',
      from: { path: '^src/(tickets|equipment|roster|maintenance|media|reports)/' },
      to: { path: `^(dialogs|src/(conversation|retrieval|evaluation|web))/|${top}` },
    },
    {
      name: 'feedback-is-last',
      severity: 'error',
      comment:
        'Feedback is the sink of the flow (gaps and close-outs that grow the manual): it reads the manual and writes its store, and knows nothing of who feeds it.',
      from: { path: '^src/feedback/' },
      to: { path: `^(dialogs|src/(conversation|retrieval|evaluation|tickets|web|api))/|${top}` },
    },
    {
      name: 'api-contract-is-data',
      severity: 'error',
      comment: 'src/api holds request and response schemas shared with the pages: schemas and types only.',
      from: { path: '^src/api/' },
      to: { path: `^(dialogs|src/(conversation|retrieval|web))/|${top}` },
    },
    {
      name: 'pages-share-only-pure-modules',
      severity: 'error',
      comment:
        'Page code runs in the browser: it may import its own modules, the API contract (types) and pure rules, never server modules.',
      from: { path: '^src/web/' },
      to: {
        path: `^(dialogs|src/(conversation|retrieval|evaluation|feedback|storage|config|knowledge|equipment|roster|maintenance|media|reports))/|${top}`,
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'channels-do-not-import-the-server',
      severity: 'error',
      comment: 'Direct Line, live chat and the bot are mounted by the server wiring; they share HTTP helpers, not routes.',
      from: { path: '^src/(directline|live|bot)/' },
      to: { path: '^src/server/' },
    },
    {
      name: 'no-tests-in-production',
      severity: 'error',
      from: { path: '^(src|dialogs)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.d.ts'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
