import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

// The layers of DESIGN.md §2 (folders of src/, top to bottom; src/cli.ts above them all): a layer
// imports only the layers below it, and the repository SQL in articles/sql only from articles/.
const LAYERS = [
  ['runtime', 'src/runtime'],
  ['server', 'src/server'],
  ['workers', 'src/workers'],
  ['devtools', 'src/devtools'],
  ['articles-sql', 'src/articles/sql'],
  ['articles', 'src/articles'],
  ['access', 'src/access'],
  ['db', 'src/db'],
  ['queue', 'src/queue'],
  ['events', 'src/events'],
  ['llm', 'src/llm'],
  ['notify', 'src/notify'],
  ['metrics', 'src/metrics'],
  ['config', 'src/config'],
  ['lib', 'src/lib'],
];
const MAY_IMPORT = {
  runtime: ['server', 'workers', 'articles', 'access', 'db', 'queue', 'events', 'llm', 'notify', 'metrics', 'config', 'lib'],
  server: ['articles', 'access', 'events', 'metrics', 'config', 'lib'],
  workers: ['articles', 'queue', 'events', 'llm', 'db', 'metrics', 'config', 'lib'],
  devtools: ['articles', 'llm', 'config', 'lib'],
  articles: ['articles-sql', 'access', 'db', 'queue', 'events', 'llm', 'notify', 'metrics', 'config', 'lib'],
  'articles-sql': ['articles', 'db', 'lib'],
  access: ['db', 'llm', 'config', 'lib'],
  db: ['config', 'lib'],
  queue: ['config', 'lib'],
  events: ['config', 'lib'],
  llm: ['config', 'lib'],
  notify: ['config', 'lib'],
  metrics: ['config', 'lib'],
  config: ['lib'],
  lib: [],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.data/',
      'test/generated/',
      'examples/client/generated/',
      'dashboard/src/generated/',
      'dist/',
      'coverage/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Only src/cli.ts reads the environment; pass configuration in.',
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { alwaysTryTypes: true } },
      'boundaries/elements': LAYERS.map(([type, pattern]) => ({ type, pattern })),
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'allow',
          policies: Object.entries(MAY_IMPORT).map(([type, allowed]) => ({
            from: { element: { type } },
            disallow: {
              to: { element: { types: { anyOf: LAYERS.map(([t]) => t).filter((t) => t !== type && !allowed.includes(t)) } } },
            },
          })),
        },
      ],
    },
  },
  {
    files: ['src/cli.ts', 'test/**', 'bench/**', 'examples/**', 'codegen.ts', 'vitest.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  { files: ['eslint.config.js', 'bin/**/*.js', 'bench/**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
