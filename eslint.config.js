import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'test/generated/', 'coverage/'] },
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
  { files: ['src/cli.ts', 'test/**', 'bench/**', 'codegen.ts', 'vitest.config.ts'], rules: { 'no-restricted-syntax': 'off' } },
  { files: ['eslint.config.js', 'bin/**/*.js', 'bench/**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
