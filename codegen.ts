import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from schema.graphql (printed from the Pothos schema: `npm run schema:print`, then
// `npm run codegen`): one set for the tests and benchmarks, one for the example client.
const typedDocuments = (documents: string) => ({
  documents: [documents],
  preset: 'client' as const,
  config: { scalars: { DateTime: 'string' }, enumsAsTypes: true, useTypeImports: true },
  presetConfig: { fragmentMasking: false },
});

const config: CodegenConfig = {
  schema: 'schema.graphql',
  emitLegacyCommonJSImports: false,
  generates: {
    'test/generated/': typedDocuments('test/support/operations.ts'),
    'examples/client/generated/': typedDocuments('examples/client/operations.ts'),
  },
  hooks: { afterAllFileWrite: ['prettier --write'] },
};

export default config;
