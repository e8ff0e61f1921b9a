import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from './generated/graphql.js';

/** The API key, entered once and kept in this browser; empty when the API runs with AUTH=off. */
const KEY_ITEM = 'distill.apiKey';
export const apiKey = {
  get: (): string => localStorage.getItem(KEY_ITEM) ?? '',
  set(key: string): void {
    if (key) localStorage.setItem(KEY_ITEM, key);
    else localStorage.removeItem(KEY_ITEM);
    // A new key is a new identity: open subscriptions are re-made with it, views load again.
    resetSocket();
    setStatus({ needsKey: false, keys: status.keys + 1 });
  },
};

/** A GraphQL error of a request: its message and code (UNAUTHENTICATED, FORBIDDEN, …). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

type GraphQLResponse<T> = { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };

function authorization(): Record<string, string> {
  const key = apiKey.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** One query or mutation over HTTP; GraphQL errors are thrown as ApiError. */
export async function request<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...authorization() },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch {
    throw new ApiError('The API cannot be reached', 'NETWORK');
  }
  const body = (await response.json().catch(() => ({}))) as GraphQLResponse<R>;
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code;
    if (code === 'UNAUTHENTICATED') setStatus({ needsKey: true });
    throw new ApiError(error.message, code);
  }
  if (!body.data) throw new ApiError(`The API answered ${response.status}`, 'HTTP');
  setStatus({ needsKey: false });
  return body.data;
}

/** What the banner and the key prompt show. */
export interface ConnectionStatus {
  /** The live connection dropped and is being re-made (subscriptions resume with it). */
  reconnecting: boolean;
  /** The API refused the key (or needs one). */
  needsKey: boolean;
  /** Bumped on every reconnect after a drop: views refetch what they show. */
  reconnects: number;
  /** Bumped when a key is entered: views start again with it. */
  keys: number;
}
let status: ConnectionStatus = { reconnecting: false, needsKey: false, reconnects: 0, keys: 0 };
const listeners = new Set<() => void>();
function emit(): void {
  for (const listener of listeners) listener();
}
function setStatus(change: Partial<ConnectionStatus>): void {
  const next = { ...status, ...change };
  if ((Object.keys(next) as (keyof ConnectionStatus)[]).every((k) => next[k] === status[k])) return;
  status = next;
  emit();
}
export const connection = {
  get: (): ConnectionStatus => status,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

let socket: Client | null = null;
let dropped = false;

function resetSocket(): void {
  void socket?.dispose();
  socket = null;
}

function liveClient(): Client {
  if (socket) return socket;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  socket = createClient({
    url,
    connectionParams: () => authorization(),
    lazy: true,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    // 4401: the key was refused; retrying with the same key cannot help.
    shouldRetry: (event) => (event as CloseEvent | undefined)?.code !== 4401,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** retries, 5_000))),
    on: {
      connected: () => {
        if (dropped) setStatus({ reconnecting: false, reconnects: status.reconnects + 1 });
        dropped = false;
        setStatus({ needsKey: false });
      },
      closed: (event) => {
        const code = (event as CloseEvent | undefined)?.code;
        if (code === 4401) return setStatus({ needsKey: true });
        // 1000: closed by us (no subscription left, or a new key).
        if (code === 1000) return;
        dropped = true;
        setStatus({ reconnecting: true });
      },
    },
  });
  return socket;
}

/**
 * A subscription over graphql-ws. `variables` is read again on every reconnect (graphql-ws sends the
 * same payload object), so a caller that moves `afterSeq` forward resumes where it stopped.
 */
export function subscribe<R, V extends Record<string, unknown>>(
  document: TypedDocumentString<R, V>,
  variables: V,
  handlers: { next: (data: R) => void; error?: (error: ApiError) => void; complete?: () => void },
): () => void {
  // graphql-ws completes the sink when we dispose too: only the server's end is reported.
  let disposed = false;
  const dispose = liveClient().subscribe<R>(
    { query: document.toString(), variables },
    {
      next: (result) => {
        const first = result.errors?.[0];
        if (first) handlers.error?.(new ApiError(first.message, first.extensions?.code as string | undefined));
        else if (result.data) handlers.next(result.data);
      },
      error: (error) => {
        const first = Array.isArray(error) ? (error[0] as { message?: string; extensions?: { code?: string } }) : undefined;
        handlers.error?.(new ApiError(first?.message ?? 'The subscription failed', first?.extensions?.code));
      },
      complete: () => {
        if (!disposed) handlers.complete?.();
      },
    },
  );
  return () => {
    disposed = true;
    dispose();
  };
}
