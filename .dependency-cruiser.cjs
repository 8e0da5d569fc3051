// The layer rule (docs/architecture.md, "Layers"), checked by `npm run lint` and so by `npm test`:
//
//   contracts ← lib ← integrations ← provisioning ← activities ← workflows / api / worker ← scripts
//
// Each folder imports only from the folders to its left (and from itself). Workflows run in Temporal's sandbox: at
// runtime they import contracts and other workflow modules only, and take everything below them as types. Emulators
// and simulators stand in for other systems, so they import nothing from the app but lib/logger.ts. Tests import
// anything. No cycles anywhere, type-only ones included.

/** App folders, lowest layer first. */
const LAYERS = ['contracts', 'lib', 'integrations', 'provisioning', 'activities', 'workflows', 'api', 'worker', 'scripts'];
const APP = [...LAYERS, 'emulators', 'test'];
const folders = (names) => `^(${names.join('|')})/`;

/** A layer may not import the layers above it (nor emulators or tests). */
function below(layer, allowed) {
  return {
    name: `${layer}-imports-only-below`,
    comment: `${layer}/ imports only from ${allowed.join(', ')} (docs/architecture.md, "Layers").`,
    severity: 'error',
    from: { path: `^${layer}/` },
    to: { path: folders(APP.filter((name) => name !== layer && !allowed.includes(name))) },
  };
}

module.exports = {
  forbidden: [
    below('contracts', []),
    below('lib', ['contracts']),
    below('integrations', ['contracts', 'lib']),
    below('provisioning', ['contracts', 'lib', 'integrations']),
    below('activities', ['contracts', 'lib', 'integrations', 'provisioning']),
    // Peers: the API and the worker share nothing but the layers below; the worker lists the workflows it runs.
    below('api', ['contracts', 'lib', 'integrations', 'provisioning', 'activities']),
    {
      name: 'worker-imports-only-below',
      comment: 'worker/ imports the layers below it, and workflows/index.ts only to know the workflow types it runs.',
      severity: 'error',
      from: { path: '^worker/' },
      to: { path: folders(['api', 'scripts', 'emulators', 'test', 'workflows']), pathNot: '^workflows/index\\.ts$' },
    },
    {
      name: 'workflows-import-below-as-types-only',
      comment:
        'Workflow code runs in the Temporal sandbox: it imports contracts and workflows at runtime, activities, integrations and lib as types only.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: folders(['lib', 'integrations', 'provisioning', 'activities']), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-import-no-peers',
      comment: 'Workflows know nothing of the API, the worker, scripts, emulators, tests or provisioning.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: folders(['provisioning', 'api', 'worker', 'scripts', 'emulators', 'test']) },
    },
    {
      name: 'sandbox-no-node-builtins',
      comment: 'contracts/ and workflows/ are loaded into the Temporal sandbox: no Node built-ins.',
      severity: 'error',
      from: { path: '^(contracts|workflows)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'emulators-import-nothing-from-the-app',
      comment:
        "Emulators follow Bitrix24 and the other systems, never our code. lib/logger.ts is the one exception: the emulators log through the same redacting pino setup as the app, so npm start prints one format and the emulator's own token-carrying requests are redacted too.",
      severity: 'error',
      from: { path: '^emulators/' },
      to: { path: folders(APP.filter((name) => name !== 'emulators')), pathNot: '^lib/logger\\.ts$' },
    },
    {
      name: 'logger-is-a-leaf',
      comment: 'lib/logger.ts imports nothing from the app, so the emulators using it stay apart from the app.',
      severity: 'error',
      from: { path: '^lib/logger\\.ts$' },
      to: { path: folders(APP) },
    },
    {
      name: 'no-circular',
      comment: 'No cycles, type-only ones included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-orphans',
      comment: 'A module nothing imports is dead code, unless it is an entry point.',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          '(^|/)\\.[^/]+\\.(js|cjs|mjs|ts)$',
          '\\.d\\.ts$',
          '^(vitest[^/]*|eslint)\\.config\\.(js|ts)$',
          '^test/',
          '^scripts/',
          '^(api/server|worker/main|emulators/[^/]+/main)\\.ts$',
          // Loaded by path: the worker bundles workflows/index.ts; the SDK requires the failure converter.
          '^workflows/index\\.ts$',
          '^lib/failure-converter\\.cjs$',
          // A compile-time check of the robot declarations: it only has to be type-checked.
          '^workflows/robot-workflows\\.ts$',
        ],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|\\.tools|\\.data|test-results)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
