import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { EventQueue } from './event-queue.js';

/** Sends an operation over HTTP POST (with an API key, if given); throws if the response has errors. */
export async function gql<R, V>(baseUrl: string, document: TypedDocumentNode<R, V>, variables: V, key?: string): Promise<R> {
  const result = await gqlRequest(baseUrl, { query: print(document), variables }, key ? bearer(key) : {});
  if (result.status !== 200 || result.body.errors)
    throw new Error(`GraphQL ${result.status}: ${JSON.stringify(result.body.errors)}`);
  return result.body.data as R;
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

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

/** A client sink that queues results; errors (GraphQL or transport) fail the queue. */
function sinkInto<R>(events: EventQueue<R>, onError?: (err: Error) => void) {
  return {
    next: (result: ExecutionResult<R, unknown>) => {
      if (result.errors) events.fail(new Error(JSON.stringify(result.errors)));
      else events.push(result.data as R);
    },
    error: (err: unknown) => {
      const error = err instanceof Error ? err : new Error(JSON.stringify(err));
      onError?.(error);
      events.fail(error);
    },
    complete: () => {},
  };
}

/** Subscribes over graphql-ws; resolves once the server acknowledged the connection. */
export async function wsSubscribe<R, V>(
  baseUrl: string,
  document: TypedDocumentNode<R, V> | string,
  variables: V,
  options: { key?: string; extensions?: Record<string, unknown> } = {},
): Promise<Subscription<R>> {
  const events = new EventQueue<R>();
  let clientRef!: Client;
  const connected = new Promise<void>((resolve, reject) => {
    const client: Client = createClient({
      url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: options.key ? { authorization: `Bearer ${options.key}` } : undefined,
      on: { connected: () => resolve(), error: (e) => reject(e instanceof Error ? e : new Error('websocket error')) },
    });
    clientRef = client;
  });
  const dispose = clientRef.subscribe<R>(
    {
      query: typeof document === 'string' ? document : print(document),
      variables: variables as Record<string, unknown>,
      extensions: options.extensions,
    },
    sinkInto(events),
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

/** Subscribes over server-sent events (graphql-sse's distinct-connections mode, which Yoga serves). */
export async function sseSubscribe<R, V>(
  baseUrl: string,
  document: TypedDocumentNode<R, V> | string,
  variables: V,
  options: { key?: string; extensions?: Record<string, unknown> } = {},
): Promise<Subscription<R>> {
  const events = new EventQueue<R>();
  let connect!: { resolve(): void; reject(err: Error): void };
  const connected = new Promise<void>((resolve, reject) => (connect = { resolve, reject }));
  const client: SseClient = createSseClient({
    url: `${baseUrl}/graphql`,
    retryAttempts: 0,
    headers: options.key ? { authorization: `Bearer ${options.key}` } : undefined,
    on: { connected: () => connect.resolve() },
  });
  const dispose = client.subscribe<R>(
    {
      query: typeof document === 'string' ? document : print(document),
      variables: variables as Record<string, unknown>,
      extensions: options.extensions,
    },
    sinkInto(events, (err) => connect.reject(err)),
  );
  await connected;
  return {
    events,
    close: async () => {
      dispose();
      client.dispose();
    },
  };
}
