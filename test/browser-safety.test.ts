import { connect } from 'node:net';
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sql } from 'kysely';
import { ArticleEvents } from './support/operations.js';
import { submit } from './support/articles.js';
import { wsSubscribe } from './support/graphql-client.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';

/** The status of a WebSocket upgrade sent with `origin` (101 when accepted). */
function upgradeStatus(url: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', origin ? { origin } : {});
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    socket.on('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

describe.each(availableBackends())('browser safety on %s services', (backend) => {
  let sys: TestSystem;
  const countArticles = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from articles`.execute(sys.system.infra.db)).rows[0]!.n);

  beforeAll(async () => {
    sys = await startTestSystem(backend, {
      roles: { api: true, worker: false },
      env: { CORS_ORIGINS: APP, HTTP_REQUEST_TIMEOUT_MS: '500' },
    });
  });
  afterAll(() => sys.stop());

  it('answers a foreign-origin preflight without CORS headers, and a listed origin without credentials', async () => {
    const preflight = (origin: string) =>
      fetch(`${sys.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
    const evil = await preflight(EVIL);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
    const app = await preflight(APP);
    expect(app.headers.get('access-control-allow-origin')).toBe(APP);
    expect(app.headers.get('access-control-allow-credentials')).toBeNull();
    expect(app.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  });

  it('refuses any request from a foreign page, even a simple GET', async () => {
    const response = await fetch(`${sys.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { origin: EVIL },
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'FORBIDDEN_ORIGIN',
    );
  });

  it('refuses form-encoded, multipart and text/plain POSTs (CSRF) and writes nothing', async () => {
    const before = await countArticles();
    const mutation = 'mutation { submitArticle(input: { title: "t", content: "c", sourceUrl: "https://x.io" }) { __typename } }';
    const form = new URLSearchParams({ query: mutation });
    const multipart = new FormData();
    multipart.set('operations', JSON.stringify({ query: mutation }));
    for (const body of [form, multipart, JSON.stringify({ query: mutation })]) {
      const headers = typeof body === 'string' ? { 'content-type': 'text/plain' } : undefined;
      const response = await fetch(`${sys.url}/graphql`, { method: 'POST', body, headers });
      expect(response.status).toBe(415);
    }
    expect(await countArticles()).toBe(before);
  });

  it('keeps plain GET queries working and passes the graphql-http compliance audit', async () => {
    const get = await fetch(`${sys.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json' },
    });
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
    const results = await auditServer({ url: `${sys.url}/graphql` });
    const failed = results.filter((r) => r.status !== 'ok').map((r) => `${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(61);
  });

  it('checks the Origin of a WebSocket upgrade against the same list', async () => {
    expect(await upgradeStatus(sys.url, EVIL)).toBe(403);
    expect(await upgradeStatus(sys.url, APP)).toBe(101);
    expect(await upgradeStatus(sys.url)).toBe(101);
  });

  it('caps subscriptions per connection and connections per client', async () => {
    // A server of its own: sockets of the other tests may still be closing on this one.
    const capped = await startTestSystem(backend, {
      roles: { api: true, worker: false },
      env: { MAX_SUBSCRIPTIONS_PER_CONNECTION: '3', MAX_CONNECTIONS_PER_CLIENT: '4' },
    });
    try {
      await expectCaps(capped.url);
    } finally {
      await capped.stop();
    }
  });

  async function expectCaps(url: string) {
    const { articleId } = await submit(url);
    const socket = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('message', (data: Buffer) => (JSON.parse(data.toString()).type === 'connection_ack' ? resolve(ws) : undefined));
      ws.on('error', reject);
    });
    const replies: { id: string; type: string; payload?: { message: string }[] }[] = [];
    socket.on('message', (data: Buffer) => replies.push(JSON.parse(data.toString())));
    for (let i = 0; i < 4; i++)
      socket.send(
        JSON.stringify({
          id: `s${i}`,
          type: 'subscribe',
          payload: { query: `subscription { articleEvents(id: "${articleId}") { seq } }` },
        }),
      );
    await expect.poll(() => replies.find((r) => r.type === 'error'), { timeout: 5_000 }).toBeDefined();
    expect(replies.find((r) => r.type === 'error')).toMatchObject({
      id: 's3',
      payload: [{ message: expect.stringMatching(/at most 3 subscriptions/) }],
    });

    // With that socket open, this client may open three more; the fifth is refused at the upgrade.
    const subs = [];
    for (let i = 0; i < 3; i++) subs.push(await wsSubscribe(url, ArticleEvents, { id: articleId }));
    await expect(wsSubscribe(url, ArticleEvents, { id: articleId })).rejects.toThrow();
    expect(await upgradeStatus(url)).toBe(429);
    for (const sub of subs) await sub.close();
    socket.close();
  }

  it('drops a request whose body never finishes after HTTP_REQUEST_TIMEOUT_MS', async () => {
    const { hostname, port } = new URL(sys.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write(
          'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":',
        ),
      );
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
  });
});
