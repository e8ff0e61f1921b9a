import { readFile } from 'node:fs/promises';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Trusted documents (PERSISTED_OPERATIONS_FILE): a JSON object of id → query, e.g. the
 * `persisted-documents.json` GraphQL Code Generator writes. When it is set, clients send
 * `extensions.persistedQuery.sha256Hash` (or `documentId`) instead of a query, and any other
 * document is refused, over HTTP and WebSocket alike.
 */
export interface PersistedOperations {
  get(id: string): string | undefined;
  /** The query for a graphql-ws subscribe payload, or the error to answer with. */
  resolve(payload: { query?: string; extensions?: Record<string, unknown> | null; documentId?: unknown }): string | GraphQLError;
}

export async function loadPersistedOperations(file: string): Promise<PersistedOperations> {
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!parsed || typeof parsed !== 'object' || Object.values(parsed).some((q) => typeof q !== 'string'))
    throw new Error(`${file} must hold a JSON object of operation id → query string`);
  const byId = new Map(Object.entries(parsed as Record<string, string>));
  return {
    get: (id) => byId.get(id),
    resolve(payload) {
      const persistedQuery = payload.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
      const id = persistedQuery?.sha256Hash ?? payload.documentId;
      const query = typeof id === 'string' ? byId.get(id) : undefined;
      if (query) return query;
      return new GraphQLError(id === undefined ? 'Only persisted operations are accepted' : 'Persisted operation not found', {
        extensions: { code: id === undefined ? 'PERSISTED_QUERY_ONLY' : 'PERSISTED_QUERY_NOT_FOUND' },
      });
    },
  };
}

export function persistedOperationPlugins(operations: PersistedOperations): Plugin[] {
  return [
    usePersistedOperations({
      getPersistedOperation: (id) => operations.get(id) ?? null,
      extractPersistedOperationId: (params) => {
        const persistedQuery = params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
        const id = persistedQuery?.sha256Hash ?? (params as { documentId?: unknown }).documentId;
        return typeof id === 'string' ? id : null;
      },
      allowArbitraryOperations: false,
    }) as Plugin,
  ];
}
