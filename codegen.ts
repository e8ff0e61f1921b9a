import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the tests and benchmarks, and for the example client (examples/client), from schema.graphql
// (which is printed from the Pothos schema: `npm run schema:print`, then `npm run codegen`).
const config: CodegenConfig = {
  schema: 'schema.graphql',
  emitLegacyCommonJSImports: false,
  generates: {
    'test/generated/': {
      documents: ['test/support/operations.ts'],
      preset: 'client',
      config: {
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: { fragmentMasking: false },
    },
    'examples/client/generated/': {
      documents: ['examples/client/operations.ts'],
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
