import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { EventQueue } from './event-queue.js';

/** Sends an operation over HTTP POST; throws if the response has errors. */
export async function gql<R, V>(baseUrl: string, document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
  const result = await gqlRequest(baseUrl, { query: print(document), variables });
  if (result.status !== 200 || result.body.errors)
    throw new Error(`GraphQL ${result.status}: ${JSON.stringify(result.body.errors)}`);
  return result.body.data as R;
}

/** A raw POST to /graphql: status and parsed body, errors included. */
export async function gqlRequest(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ExecutionResult & { errors?: { message: string; extensions?: Record<string, unknown> }[] } }> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as never };
}

export interface Subscription<R> {
  events: EventQueue<R>;
  close(): Promise<void>;
}

/** Subscribes over graphql-ws; resolves once the server acknowledged the connection. */
export async function wsSubscribe<R, V>(
  baseUrl: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
): Promise<Subscription<R>> {
  const events = new EventQueue<R>();
  let clientRef!: Client;
  const connected = new Promise<void>((resolve, reject) => {
    const client: Client = createClient({
      url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      on: { connected: () => resolve(), error: (e) => reject(e instanceof Error ? e : new Error('websocket error')) },
    });
    clientRef = client;
  });
  const dispose = clientRef.subscribe<R>(
    { query: print(document), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors) events.fail(new Error(JSON.stringify(result.errors)));
        else events.push(result.data as R);
      },
      error: (err) => events.fail(err instanceof Error ? err : new Error(JSON.stringify(err))),
      complete: () => {},
    },
  );
  await connected;
  return {
    events,
    close: async () => {
      dispose();
      await clientRef.dispose();
    },
  };
}

/** Subscribes over server-sent events (Yoga's distinct-connection mode). */
export async function sseSubscribe<R, V>(
  baseUrl: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
): Promise<Subscription<R>> {
  const events = new EventQueue<R>();
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: print(document), variables }),
    signal: abort.signal,
  });
  if (response.status !== 200 || !response.body) throw new Error(`SSE subscribe failed: ${response.status}`);
  void (async () => {
    let buffer = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('');
          if (!data) continue;
          const result = JSON.parse(data) as ExecutionResult<R>;
          if (result.errors) events.fail(new Error(JSON.stringify(result.errors)));
          else if (result.data) events.push(result.data);
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) events.fail(err as Error);
    }
  })();
  return { events, close: async () => abort.abort() };
}
