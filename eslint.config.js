import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, in either import form.
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_')).flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tools/**', '.data/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-duplicate-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  // lib/failure-converter.cjs is require()d by the SDK, so it is CommonJS.
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['workflows/**/*.ts', 'contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code runs in the Temporal sandbox: no Node built-ins.' })),
          patterns: [
            { group: ['../activities/*', '../../activities/*'], allowTypeImports: true, message: 'Import activities as types only.' },
            { group: ['../integrations/*', '../../integrations/*'], allowTypeImports: true, message: 'Workflows reach external systems only through activities: import integrations as types only.' },
          ],
        },
      ],
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the workflow sandbox (deterministic) or uuid4().' },
      ],
      // The worker preloads workflows/ (worker/workflow-source.ts): module scope is shared by every run of a worker
      // thread, so it must not hold state a run could change. Exported objects are frozen by the SDK; a binding or a
      // collection is not.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Program > VariableDeclaration[kind!="const"], Program > ExportNamedDeclaration > VariableDeclaration[kind!="const"]',
          message: 'Module scope is shared by every run (preloaded modules): keep run state inside the workflow function.',
        },
        {
          selector: ['Program', 'Program > ExportNamedDeclaration']
            .map((scope) => `${scope} > VariableDeclaration > VariableDeclarator > NewExpression[callee.name=/^(Map|Set|WeakMap|WeakSet|Array)$/]`)
            .join(', '),
          message: 'Module scope is shared by every run (preloaded modules): a collection here would carry state between runs.',
        },
      ],
    },
  },
);
