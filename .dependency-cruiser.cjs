// dependency-cruiser: the layering of src/, checked by `npm run lint` (depcruise src --config .dependency-cruiser.cjs).
//
// LAYERS lists src/ from the top (wiring) down. A module may import its own layer and anything below it, never
// anything above it; layers on one line are siblings and may import each other. Every rule below is generated from
// this list, so moving a folder, or adding one, is a change here and nowhere else. A folder that does not exist yet
// simply matches nothing.
//
// This file is CommonJS (.cjs) because package.json says "type": "module".
// Rule names repeat on purpose (one no-upward-import per layer, two unknown-folder). Do not add `extends`:
// dependency-cruiser merges same-named rules when it extends another config, which would keep only one of them.

/** @typedef {{ name: string, paths: string[] }} Layer */

/** @type {Layer[][]} top first; each inner array is one level of siblings */
const LAYERS = [
  [
    {
      name: 'wiring',
      paths: [
        '^src/main\\.ts$',
        '^src/luna\\.ts$',
        '^src/answering\\.ts$',
        '^src/supervisor\\.ts$',
        '^src/startup/',
        '^src/cli/',
      ],
    },
  ], // cli/: operator commands (npm run requests:export)
  [{ name: 'http', paths: ['^src/http/'] }], // health/readiness/metrics HTTP server
  [{ name: 'slack', paths: ['^src/slack/'] }], // Bolt app, receivers, listeners
  [{ name: 'queue', paths: ['^src/queue/'] }], // worker runtime, dispatch, retries, schedulers
  [{ name: 'jobs', paths: ['^src/jobs/'] }], // job handlers only: one file per job, a folder for a job of several files
  [{ name: 'steps', paths: ['^src/steps/'] }], // what several jobs do alike: the check before a customer reads, admitting a mention, private delivery
  [
    { name: 'llm', paths: ['^src/llm/'] }, // model calls
    { name: 'render', paths: ['^src/render/'] }, // Block Kit, mrkdwn, PNG rendering
  ],
  [{ name: 'contracts', paths: ['^src/contracts/'] }], // job catalogue: names, payload schemas, id builders, JobContext
  [{ name: 'knowledge', paths: ['^src/knowledge/'] }], // knowledge sources, indexer, in-memory search and retriever
  [{ name: 'slack-api', paths: ['^src/slack-api/'] }], // Slack Web API reads/posts used by jobs (threads, posts, errors, directory)
  [{ name: 'stores', paths: ['^src/stores/'] }], // every Redis-backed store and its key builder
  [{ name: 'domain', paths: ['^src/domain/'] }], // pure logic
  [{ name: 'config', paths: ['^src/config/'] }],
  [{ name: 'personas', paths: ['^src/personas/'] }],
  [{ name: 'infra', paths: ['^src/infra/'] }], // redis connection, errors, log, metrics
];

/**
 * Narrower than the layering: these layers may import only the layers named here (besides anything the layering
 * already forbids). `typesOnly` layers may be imported with `import type` only.
 */
const ONLY_IMPORTS = {
  // Renderers read the shapes of what they draw (a stored escalation, a payload), never the code that stores or queues it.
  render: { may: ['render', 'domain', 'personas', 'infra'], typesOnly: ['config', 'contracts', 'stores'] },
  domain: { may: ['domain', 'personas', 'infra'], typesOnly: ['config'] },
};

/** npm packages and Node built-ins that do I/O: pure logic and rendering must not reach for them. */
const IO_PACKAGES = ['@slack/bolt', '@slack/web-api', 'bullmq', 'ioredis', '@anthropic-ai/sdk'];
const IO_BUILTINS = ['http', 'net'];

const levels = LAYERS.map((siblings, level) => siblings.map((layer) => ({ ...layer, level }))).flat();
const byName = Object.fromEntries(levels.map((l) => [l.name, l]));
const pathsOf = (names) => names.flatMap((n) => byName[n].paths);
const allLayerPaths = levels.flatMap((l) => l.paths);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const noUpwardImport = levels
  .filter((layer) => layer.level > 0)
  .map((layer) => {
    const above = levels.filter((l) => l.level < layer.level);
    return {
      name: 'no-upward-import',
      comment: `${layer.name} (level ${layer.level + 1} of ${LAYERS.length}) may not import the layers above it: ${above.map((l) => l.name).join(', ')}.`,
      severity: 'error',
      from: { path: layer.paths },
      to: { path: pathsOf(above.map((l) => l.name)) },
    };
  });

const onlyImports = Object.entries(ONLY_IMPORTS).flatMap(([name, { may, typesOnly }]) => {
  const layer = byName[name];
  // Layers above are no-upward-import's business; here: the ones at or below this layer that are not allowed.
  const forbidden = levels.filter(
    (l) => l.level >= layer.level && !may.includes(l.name) && !typesOnly.includes(l.name),
  );
  const rules = [];
  if (forbidden.length > 0) {
    rules.push({
      name: `${name}-allowed-imports`,
      comment: `${name}/ may import only ${[...may, ...typesOnly.map((t) => `${t} (types only)`)].join(', ')}; not ${forbidden.map((l) => l.name).join(', ')}.`,
      severity: 'error',
      from: { path: layer.paths },
      to: { path: pathsOf(forbidden.map((l) => l.name)) },
    });
  }
  if (typesOnly.length > 0) {
    rules.push({
      name: `${name}-types-only-imports`,
      comment: `${name}/ may import ${typesOnly.join(', ')} for types only (\`import type\`), never values.`,
      severity: 'error',
      from: { path: layer.paths },
      to: { path: pathsOf(typesOnly), dependencyTypesNot: ['type-only'] },
    });
  }
  return rules;
});

module.exports = {
  forbidden: [
    // unknown-folder: a module under src/ that is in no layer. These are module rules, not dependency rules, so each
    // such module is reported once, whether anything imports it or not. dependency-cruiser selects modules for them
    // by number of dependents (at most 100 in its schema), hence the pair: fewer than 100, and more than 99.
    ...[{ numberOfDependentsLessThan: 100 }, { numberOfDependentsMoreThan: 99 }].map((dependents) => ({
      name: 'unknown-folder',
      comment:
        'This module under src/ is in no layer. Move it into one, or add its folder to LAYERS in .dependency-cruiser.cjs, so nothing hides outside the layering.',
      severity: 'error',
      from: {},
      module: { path: '^src/', pathNot: allLayerPaths, ...dependents },
    })),
    ...noUpwardImport,
    {
      name: 'no-circular',
      comment: 'No import cycles between any two files of src/, type-only imports included.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'slack-listeners-private',
      comment:
        'src/slack/ (Bolt app, receivers, listeners) is private: only src/slack itself and the wiring (main.ts, luna.ts, …) may import it. Jobs post through src/slack-api/.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/slack/', ...byName.wiring.paths] },
      to: { path: '^src/slack/' },
    },
    // no-job-imports-a-job: what two jobs share goes to src/steps/ (or domain/, slack-api/, llm/). Files of one job's
    // folder (src/jobs/answer/) may import each other; only handlers.ts, the dispatch table, imports every job.
    {
      name: 'no-job-imports-a-job',
      comment: 'A file of a job folder imports nothing from another job.',
      severity: 'error',
      from: { path: '^src/jobs/([^/]+)/' },
      to: { path: '^src/jobs/', pathNot: '^src/jobs/$1/' },
    },
    {
      name: 'no-job-imports-a-job',
      comment: 'A one-file job imports no other job.',
      severity: 'error',
      from: { path: '^src/jobs/[^/]+\\.ts$', pathNot: '^src/jobs/handlers\\.ts$' },
      to: { path: '^src/jobs/' },
    },
    {
      name: 'no-listener-imports-a-listener',
      comment:
        'A listener file imports no other listener: what two listeners share lives in src/slack/ (click.ts, message-events.ts).',
      severity: 'error',
      from: { path: '^src/slack/listeners/' },
      to: { path: '^src/slack/listeners/' },
    },
    {
      name: 'pure-domain-render',
      comment: `src/domain/ and src/render/ stay free of I/O: no ${IO_PACKAGES.join(', ')}, no node:${IO_BUILTINS.join(', node:')}.`,
      severity: 'error',
      from: { path: [...byName.domain.paths, ...byName.render.paths] },
      to: {
        path: [
          `(^|/)node_modules/(${IO_PACKAGES.map(escape).join('|')})/`,
          `^(${IO_PACKAGES.map(escape).join('|')})$`,
          `^(node:)?(${IO_BUILTINS.join('|')})$`,
        ],
      },
    },
    ...onlyImports,
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // See `import type` edges too: the layering holds for types as well as values.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
