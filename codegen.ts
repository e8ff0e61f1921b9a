import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the tests, the benchmarks and the example client, from schema.graphql
// (which is printed from the Pothos schema: `npm run schema:print`, then `npm run codegen`).
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/support/operations.ts'],
  emitLegacyCommonJSImports: false,
  generates: {
    'test/generated/': {
      preset: 'client',
      config: {
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: { fragmentMasking: false },
    },
  },
  hooks: { afterAllFileWrite: ['prettier --write'] },
};

export default config;
