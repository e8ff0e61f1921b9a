import { print } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { submit } from './support/articles.js';
import { awaitArticleEvent, awaitSettled } from './support/await-article.js';
import { ArticleEvents } from './support/operations.js';
import { availableBackends, hasRealServices } from './support/services.js';
import { spawnDistill } from './support/processes.js';
import { createTestEnvironment, startTestSystem, type TestSystem } from './support/system.fixture.js';
import { mockLlmEnv } from './support/mock-llm.js';

const QUERY = print(ArticleEvents);

/** Opens `count` subscriptions on `client`, round robin over `ids`; resolves once each has its first event. */
async function openAll(
  subscribe: (id: string, sink: { next: () => void; error: (e: unknown) => void; complete: () => void }) => () => void,
  ids: string[],
  count: number,
): Promise<(() => void)[]> {
  let first = 0;
  let ready!: () => void;
  let failed!: (e: unknown) => void;
  const allReady = new Promise<void>((resolve, reject) => ((ready = resolve), (failed = reject)));
  const drops = Array.from({ length: count }, (_, i) => {
    let seen = false;
    return subscribe(ids[i % ids.length]!, {
      next: () => {
        if (!seen && (seen = true) && ++first === count) ready();
      },
      error: failed,
      complete: () => {},
    });
  });
  await allReady;
  return drops;
}

describe.each(availableBackends())('subscriptions release everything they hold on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  const finished: string[] = [];
  const running: string[] = [];

  const held = () => ({
    hubListeners: sys.system.hub!.listenerCount,
    hubTopics: sys.system.hub!.subscriptionCount,
    bus: sys.system.infra.bus.subscriptionCount,
    ...sys.system.api!.openConnections(),
  });

  beforeAll(async () => {
    mock = await startMockLlmServer();
    sys = await startTestSystem(backend, {
      env: {
        ...mockLlmEnv(mock),
        MAX_CONNECTIONS_PER_CLIENT: '2000',
        SHUTDOWN_GRACE_MS: '1000',
      },
    });
    for (let i = 0; i < 4; i++) finished.push((await submit(sys.url)).articleId);
    for (const id of finished) await awaitSettled(sys.url, id);
    // Running articles: their LLM calls hang until the mock is stopped.
    mock.setLatency(600_000);
    for (let i = 0; i < 4; i++) running.push((await submit(sys.url)).articleId);
    for (const id of running) await awaitArticleEvent(sys.url, id, (e) => e.type === 'STARTED');
  }, 60_000);
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });

  it('opens and drops 2,000 subscriptions over WebSocket and SSE on finished and running articles; nothing stays', async () => {
    const ids = [...finished, ...running];
    // The helpers' own subscriptions (awaiting STARTED) let go as their sockets close.
    await vi.waitFor(() => expect(held()).toMatchObject({ hubListeners: 0, hubTopics: 0, websockets: 0, eventStreams: 0 }), {
      timeout: 5_000,
    });
    const before = held();

    // WebSocket: 10 sockets × 100 subscriptions; some completed by the client, the rest ended by
    // the socket closing cleanly or dropping without a close frame.
    const sockets: WebSocket[] = [];
    const clients: Client[] = [];
    const drops: (() => void)[][] = [];
    for (let c = 0; c < 10; c++) {
      const client = createWsClient({
        url: `${sys.url.replace('http', 'ws')}/graphql`,
        retryAttempts: 0,
        webSocketImpl: class extends WebSocket {
          constructor(...args: ConstructorParameters<typeof WebSocket>) {
            super(...args);
            sockets.push(this);
          }
        },
      });
      clients.push(client);
      drops.push(await openAll((id, sink) => client.subscribe({ query: QUERY, variables: { id } }, sink), ids, 100));
    }
    // SSE: 1,000 streams in waves of 250, each wave cut by the client.
    for (let wave = 0; wave < 4; wave++) {
      const client = createSseClient({ url: `${sys.url}/graphql`, retryAttempts: 0 });
      await openAll((id, sink) => client.subscribe({ query: QUERY, variables: { id } }, sink), ids, 250);
      expect(held().eventStreams).toBe(250);
      client.dispose();
      await vi.waitFor(() => expect(held().eventStreams).toBe(0), { timeout: 10_000 });
    }
    expect(held().hubListeners).toBe(1_000);
    expect(held().hubTopics).toBe(ids.length);

    for (const drop of drops.slice(0, 4)) for (const complete of drop) complete();
    for (const client of clients.slice(4, 7)) await client.dispose();
    for (const socket of sockets.slice(7)) socket.terminate();

    await vi.waitFor(() => expect(held()).toEqual({ ...before, websockets: 0, eventStreams: 0 }), { timeout: 10_000 });
    for (const client of clients) await client.dispose();
  });
});

describe.runIf(hasRealServices())('an API stopped with subscriptions open', () => {
  it('closes them, finishes well inside its deadline and exits 0', async () => {
    const environment = await createTestEnvironment('real');
    const api = spawnDistill('serve', environment.env);
    try {
      const url = ((await api.waitForLog((l) => typeof l.url === 'string')).url as string).replace(/\/graphql$/, '');
      const { articleId } = await submit(url);
      const ws = createWsClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
      const sse = createSseClient({ url: `${url}/graphql`, retryAttempts: 0 });
      const ended: string[] = [];
      const ending = (name: string, sink: { next: () => void }) => ({
        next: sink.next,
        error: () => void ended.push(name),
        complete: () => void ended.push(name),
      });
      await openAll((id, s) => ws.subscribe({ query: QUERY, variables: { id } }, ending('ws', s)), [articleId], 1);
      await openAll((id, s) => sse.subscribe({ query: QUERY, variables: { id } }, ending('sse', s)), [articleId], 1);

      const stoppedAt = Date.now();
      api.kill('SIGTERM');
      expect(await api.exited).toEqual({ code: 0, signal: null });
      // The parts' deadlines are 10 s each; open subscriptions must not hold the API anywhere near that.
      expect(Date.now() - stoppedAt).toBeLessThan(3_000);
      await vi.waitFor(() => expect(ended.sort()).toEqual(['sse', 'ws']), { timeout: 5_000 });
      await ws.dispose();
      sse.dispose();
    } finally {
      api.kill('SIGKILL');
      await api.exited;
      await environment.cleanup();
    }
  });
});
