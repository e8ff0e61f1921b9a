import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from schema.graphql (printed from the Pothos schema: `npm run schema:print`, then
// `npm run codegen`): one set for the tests and benchmarks, one for the example client, one for the dashboard.
const typedDocuments = (documents: string, documentMode?: 'string') => ({
  documents: [documents],
  preset: 'client' as const,
  config: { scalars: { DateTime: 'string' }, enumsAsTypes: true, useTypeImports: true, ...(documentMode && { documentMode }) },
  presetConfig: { fragmentMasking: false },
});

const config: CodegenConfig = {
  schema: 'schema.graphql',
  emitLegacyCommonJSImports: false,
  generates: {
    'test/generated/': typedDocuments('test/support/operations.ts'),
    'examples/client/generated/': typedDocuments('examples/client/operations.ts'),
    // The browser sends strings: no graphql-js parser or printer in the dashboard's bundle.
    'dashboard/src/generated/': typedDocuments('dashboard/src/operations.ts', 'string'),
  },
  hooks: { afterAllFileWrite: ['prettier --write'] },
};

export default config;
