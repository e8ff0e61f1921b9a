import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { submit } from './support/articles.js';
import { gqlRequest } from './support/graphql-client.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

const STACK = /\bat \S+ \(|node_modules|\.ts:\d+/;

describe.each(availableBackends())('bad requests on %s services', (backend) => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem(backend, { roles: { api: true, worker: false }, env: { MAX_BODY_BYTES: '4096' } });
  });
  afterAll(() => sys.stop());

  it('rejects an oversized body with 413 before reading it', async () => {
    const { status, body } = await gqlRequest(sys.url, { query: `{ article(id: "1") { id } }`, padding: 'x'.repeat(5000) });
    expect(status).toBe(413);
    expect(body.errors![0]!.message).toMatch(/limit is 4096/);
  });

  it('requires a Content-Length: a chunked body gets 411, whatever its size', async () => {
    const chunk = JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(8000) });
    const reply = await rawHttp(
      sys.url,
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 411/);
  });

  it('answers malformed JSON with 400 and a readable error', async () => {
    const { status, body } = await gqlRequest(sys.url, '{"query": ');
    expect(status).toBe(400);
    expect(JSON.stringify(body)).not.toMatch(STACK);
  });

  it('answers a syntax error and an unknown field with errors naming the problem', async () => {
    const syntax = await gqlRequest(sys.url, { query: '{ article(id: ' });
    expect(syntax.body.errors![0]!.message).toMatch(/Syntax Error/);
    const unknown = await gqlRequest(sys.url, { query: '{ article(id: "1") { nope } }' });
    expect(unknown.body.errors![0]!.message).toMatch(/Cannot query field "nope" on type "Article"/);
  });

  it('answers a wrong variable type with an error naming the variable', async () => {
    const { body } = await gqlRequest(sys.url, {
      query: 'mutation ($input: SubmitArticleInput!) { submitArticle(input: $input) { __typename } }',
      variables: { input: { title: 'x', content: 'y', sourceUrl: 'https://a.b', priority: 'URGENT' } },
    });
    expect(body.errors![0]!.message).toMatch(/\$input.*priority.*URGENT/s);
  });

  it('masks unexpected failures: a generic message, no internals, and the server keeps serving', async () => {
    const { articleId } = await submit(sys.url);
    // Break the database under the API: the ledger table disappears.
    await sql`alter table llm_calls rename to llm_calls_gone`.execute(sys.system.infra.db);
    try {
      const { status, body } = await gqlRequest(sys.url, { query: `{ article(id: "${articleId}") { id llmCalls { model } } }` });
      expect(status).toBe(200);
      expect(body.errors![0]!.message).toBe('Unexpected error.');
      expect(JSON.stringify(body)).not.toMatch(/llm_calls|relation|STACK/);
      expect(JSON.stringify(body)).not.toMatch(STACK);
    } finally {
      await sql`alter table llm_calls_gone rename to llm_calls`.execute(sys.system.infra.db);
    }
    const again = await gqlRequest(sys.url, { query: `{ article(id: "${articleId}") { id } }` });
    expect(again.body).toEqual({ data: { article: { id: articleId } } });
  });

  it('serves health and readiness', async () => {
    expect(await (await fetch(`${sys.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${sys.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});

/** Sends raw bytes over one connection and resolves with everything the server wrote back. */
function rawHttp(baseUrl: string, request: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString('utf8')));
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
  });
}
