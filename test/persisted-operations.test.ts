import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleArticle } from './support/articles.js';
import { gqlRequest, sseSubscribe, wsSubscribe } from './support/graphql-client.js';
import { ArticleEvents, SubmitArticle } from './support/operations.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

const submitQuery = print(SubmitArticle);
const eventsQuery = print(ArticleEvents);
const idOf = (query: string) => createHash('sha256').update(query).digest('hex');
const persisted = (query: string) => ({ persistedQuery: { version: 1, sha256Hash: idOf(query) } });

describe.each(availableBackends())('persisted operations (PERSISTED_OPERATIONS_FILE) on %s services', (backend) => {
  let sys: TestSystem;
  const dir = mkdtempSync(path.join(tmpdir(), 'distill-persisted-'));
  const file = path.join(dir, 'persisted-documents.json');
  const countArticles = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from articles`.execute(sys.system.infra.db)).rows[0]!.n);

  beforeAll(async () => {
    writeFileSync(file, JSON.stringify({ [idOf(submitQuery)]: submitQuery, [idOf(eventsQuery)]: eventsQuery }));
    sys = await startTestSystem(backend, { roles: { api: true, worker: false }, env: { PERSISTED_OPERATIONS_FILE: file } });
  });
  afterAll(async () => {
    await sys.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a listed operation by its hash, and refuses any other document or unknown hash, writing nothing', async () => {
    const ok = await gqlRequest(sys.url, { variables: { input: sampleArticle() }, extensions: persisted(submitQuery) });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data).toMatchObject({ submitArticle: { __typename: 'SubmitArticlePayload' } });
    const before = await countArticles();

    const arbitrary = await gqlRequest(sys.url, { query: submitQuery, variables: { input: sampleArticle() } });
    expect(arbitrary.body.errors![0]!.message).toMatch(/persisted/i);
    expect(arbitrary.body.data).toBeUndefined();
    const unknown = await gqlRequest(sys.url, {
      variables: { input: sampleArticle() },
      extensions: { persistedQuery: { version: 1, sha256Hash: idOf('mutation { nothing }') } },
    });
    expect(unknown.body.errors![0]!.message).toMatch(/not ?found/i);
    expect(await countArticles()).toBe(before);
  });

  it('applies the same list to subscriptions over WebSocket and SSE', async () => {
    const ok = await gqlRequest(sys.url, { variables: { input: sampleArticle() }, extensions: persisted(submitQuery) });
    const articleId = (ok.body.data as { submitArticle: { article: { id: string } } }).submitArticle.article.id;
    for (const subscribe of [wsSubscribe, sseSubscribe]) {
      const listed = await subscribe(sys.url, '', { id: articleId }, { extensions: persisted(eventsQuery) });
      expect(await listed.events.next()).toMatchObject({ articleEvents: { type: 'SNAPSHOT' } });
      await listed.close();
      const other = await subscribe(sys.url, eventsQuery, { id: articleId }).catch((err: Error) => err);
      const error = other instanceof Error ? other : await other.events.next().catch((err: Error) => err);
      expect(String(error)).toMatch(/persisted/i);
      if (!(other instanceof Error)) await other.close();
    }
  });
});

describe('a persisted operations file that cannot be used', () => {
  it('stops start-up with the reason', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'distill-persisted-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ a: 42 }));
    try {
      const [backend] = availableBackends();
      await expect(
        startTestSystem(backend!, { roles: { api: true, worker: false }, env: { PERSISTED_OPERATIONS_FILE: file } }),
      ).rejects.toThrow(/JSON object of operation id → query string/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
