import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A typed GraphQL client for Distill: queries and mutations over HTTP, subscriptions over graphql-ws. */
export function distillClient(url: string, apiKey: string | undefined) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const ws = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: apiKey ? { authorization: `Bearer ${apiKey}` } : undefined,
  });

  return {
    /** Runs a query or mutation; throws on GraphQL errors (typed errors such as ValidationError are data). */
    async request<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query: print(document), variables }) });
      const body = (await response.json()) as { data?: R; errors?: { message: string }[] };
      if (body.errors || !body.data)
        throw new Error(`GraphQL: ${body.errors?.map((e) => e.message).join('; ') ?? response.status}`);
      return body.data;
    },

    /** Every result of a subscription, until the server completes it. */
    async *subscribe<R, V>(document: TypedDocumentNode<R, V>, variables: V): AsyncGenerator<R> {
      const results = ws.iterate<R>({ query: print(document), variables: variables as Record<string, unknown> });
      for await (const result of results) {
        if (result.errors) throw new Error(`GraphQL: ${result.errors.map((e) => e.message).join('; ')}`);
        yield result.data as R;
      }
    },

    close: () => ws.dispose(),
  };
}
