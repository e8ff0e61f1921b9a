import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKeyRepository } from '../src/access/api-key.repository.js';
import { createAuditLog } from '../src/access/audit.repository.js';
import { sampleArticle, submit } from './support/articles.js';
import { bearer, gql, gqlRequest, sseSubscribe, wsSubscribe } from './support/graphql-client.js';
import {
  ArticleEvents,
  BatchById,
  BatchProgress,
  CancelArticle,
  ListArticles,
  ListJobs,
  RetryArticle,
  SubmitArticles,
} from './support/operations.js';
import { availableBackends, hasRealServices } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

const run = promisify(execFile);
const ARTICLE = `query ($id: ID!) { article(id: $id) { id title } }`;
const JOB = `query ($id: ID!) { job(id: $id) { id state } }`;

/** The close code the server sends to a graphql-ws connection_init carrying `payload`. */
function wsCloseCode(url: string, payload: Record<string, unknown> | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
}

describe.each(availableBackends())('API keys, scopes and tenants on %s services', (backend) => {
  let sys: TestSystem;
  const keys: Record<string, string> = {};
  const keyIds: Record<string, string> = {};

  beforeAll(async () => {
    // No worker: articles stay PENDING, so cancel and retry have something to act on.
    sys = await startTestSystem(backend, { roles: { api: true, worker: false }, env: { AUTH: 'required', AUTH_CACHE_MS: '0' } });
    const repo = createApiKeyRepository(sys.system.infra.db);
    const make = async (
      name: string,
      tenantId: string,
      scopes: ('articles:read' | 'articles:write' | 'admin')[],
      expiresAt?: Date,
    ) => {
      const { apiKey, key } = await repo.create({ tenantId, scopes, expiresAt, name });
      keys[name] = key;
      keyIds[name] = apiKey.id;
    };
    await make('acme', 'acme', ['articles:read', 'articles:write']);
    await make('acmeRead', 'acme', ['articles:read']);
    await make('acmeWrite', 'acme', ['articles:write']);
    await make('globex', 'globex', ['articles:read', 'articles:write']);
    await make('ops', 'ops', ['admin']);
    await make('expired', 'acme', ['articles:read'], new Date(Date.now() - 1_000));
    await make('revoked', 'acme', ['articles:read']);
    await repo.revoke(keyIds.revoked!);
  });
  afterAll(() => sys.stop());

  it('refuses a request without a valid key with 401 and UNAUTHENTICATED, running nothing', async () => {
    const mutation = { query: 'mutation { cancelArticle(id: "1") { __typename } }' };
    for (const headers of [{}, bearer('dk_00000000_' + 'x'.repeat(43)), { authorization: 'Basic abc' }, bearer('nonsense')]) {
      const { status, body } = await gqlRequest(sys.url, mutation, headers);
      expect(status).toBe(401);
      expect(body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
      expect(body.data).toBeUndefined();
    }
  });

  it('refuses expired and revoked keys', async () => {
    for (const name of ['expired', 'revoked']) {
      const { status, body } = await gqlRequest(sys.url, { query: '{ __typename }' }, bearer(keys[name]!));
      expect(status).toBe(401);
      expect(body.errors![0]!.message).toMatch(name === 'expired' ? /expired/ : /revoked/);
    }
  });

  it('closes a WebSocket whose connection_init has no valid key with 4401', async () => {
    expect(await wsCloseCode(sys.url, undefined)).toBe(4401);
    expect(await wsCloseCode(sys.url, { authorization: 'Bearer nope' })).toBe(4401);
    expect(await wsCloseCode(sys.url, { authorization: `Bearer ${keys.revoked}` })).toBe(4401);
  });

  it('refuses an SSE subscription without a key with 401', async () => {
    const { articleId } = await submit(sys.url, undefined, keys.acme);
    const response = await fetch(`${sys.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: print(ArticleEvents), variables: { id: articleId } }),
    });
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });

  it('answers a missing scope with FORBIDDEN: a read key cannot submit, a write key cannot read', async () => {
    const { articleId } = await submit(sys.url, undefined, keys.acme);
    const write = await gqlRequest(
      sys.url,
      { query: `mutation { cancelArticle(id: "${articleId}") { __typename } }` },
      bearer(keys.acmeRead!),
    );
    expect(write.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const read = await gqlRequest(sys.url, { query: ARTICLE, variables: { id: articleId } }, bearer(keys.acmeWrite!));
    expect(read.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(read.body.data).toBeUndefined();
    const sub = await wsSubscribe(sys.url, ArticleEvents, { id: articleId }, { key: keys.acmeWrite });
    await expect(sub.events.next()).rejects.toThrow(/FORBIDDEN/);
    await sub.close();
    // The article is untouched.
    const after = await gqlRequest(sys.url, { query: `{ article(id: "${articleId}") { status } }` }, bearer(keys.acme!));
    expect(after.body.data).toEqual({ article: { status: 'PENDING' } });
  });

  it("reads another tenant's article, job and events as missing, over HTTP, WebSocket and SSE", async () => {
    const { articleId, jobId } = await submit(sys.url, undefined, keys.acme);
    const own = await gqlRequest(sys.url, { query: ARTICLE, variables: { id: articleId } }, bearer(keys.acme!));
    expect(own.body.data).toEqual({ article: { id: articleId, title: 'Record quarter' } });

    const article = await gqlRequest(sys.url, { query: ARTICLE, variables: { id: articleId } }, bearer(keys.globex!));
    expect(article.body).toEqual({ data: { article: null } });
    const job = await gqlRequest(sys.url, { query: JOB, variables: { id: jobId } }, bearer(keys.globex!));
    expect(job.body).toEqual({ data: { job: null } });
    // Same answer as an id that does not exist.
    const missing = await gqlRequest(sys.url, { query: ARTICLE, variables: { id: '99999999' } }, bearer(keys.globex!));
    expect(missing.body).toEqual(article.body);

    for (const subscribe of [wsSubscribe, sseSubscribe]) {
      for (const afterSeq of [undefined, 0]) {
        const sub = await subscribe(sys.url, ArticleEvents, { id: articleId, afterSeq }, { key: keys.globex });
        await expect(sub.events.next()).rejects.toThrow(new RegExp(`Article ${articleId} not found`));
        await sub.close();
      }
      // The owner replays the same log.
      const own = await subscribe(sys.url, ArticleEvents, { id: articleId, afterSeq: 0 }, { key: keys.acme });
      expect((await own.events.next()).articleEvents.type).toBe('QUEUED');
      await own.close();
    }
  });

  it("answers another tenant's cancel and retry with NotFoundError and changes nothing", async () => {
    const { articleId } = await submit(sys.url, undefined, keys.acme);
    const cancel = await gql(sys.url, CancelArticle, { id: articleId }, keys.globex);
    expect(cancel.cancelArticle).toEqual({ __typename: 'NotFoundError', message: `Article ${articleId} not found` });
    const retry = await gql(sys.url, RetryArticle, { id: articleId }, keys.globex);
    expect(retry.retryArticle.__typename).toBe('NotFoundError');
    const after = await gqlRequest(
      sys.url,
      { query: `{ article(id: "${articleId}") { status jobs { id } } }` },
      bearer(keys.acme!),
    );
    expect(after.body.data).toEqual({ article: { status: 'PENDING', jobs: [expect.anything()] } });
  });

  it('lets an admin key read and act in every tenant', async () => {
    const { articleId } = await submit(sys.url, undefined, keys.globex);
    const read = await gqlRequest(sys.url, { query: ARTICLE, variables: { id: articleId } }, bearer(keys.ops!));
    expect(read.body.data).toEqual({ article: { id: articleId, title: 'Record quarter' } });
    const cancel = await gql(sys.url, CancelArticle, { id: articleId }, keys.ops);
    expect(cancel.cancelArticle.__typename).toBe('CancelArticlePayload');
  });

  it('keeps idempotency keys, listings, jobs and batches within the tenant', async () => {
    const same = sampleArticle({ idempotencyKey: `shared-key-${backend}` });
    const acme = await submit(sys.url, same, keys.acme);
    const globex = await submit(sys.url, same, keys.globex);
    expect(globex.articleId).not.toBe(acme.articleId);
    expect(await submit(sys.url, same, keys.acme)).toEqual(acme);

    const ids = async (key: string) =>
      (await gql(sys.url, ListArticles, { first: 100 }, key)).articles.edges.map((e) => e.node.id);
    expect(await ids(keys.globex!)).toContain(globex.articleId);
    expect(await ids(keys.globex!)).not.toContain(acme.articleId);
    expect(await ids(keys.ops!)).toEqual(expect.arrayContaining([acme.articleId, globex.articleId]));
    const jobs = (await gql(sys.url, ListJobs, { first: 100 }, keys.globex)).jobs.edges.map((e) => e.node.id);
    expect(jobs).toContain(globex.jobId);
    expect(jobs).not.toContain(acme.jobId);

    const { submitArticles } = await gql(sys.url, SubmitArticles, { input: [sampleArticle(), sampleArticle()] }, keys.acme);
    if (submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(JSON.stringify(submitArticles));
    expect((await gql(sys.url, BatchById, { id: submitArticles.batch.id }, keys.globex)).batch).toBeNull();
    expect((await gql(sys.url, BatchById, { id: submitArticles.batch.id }, keys.acme)).batch).toMatchObject({ total: 2 });

    // Two subscribers share one execution; the one who joins later still starts from the counts.
    const id = submitArticles.batch.id;
    const first = await wsSubscribe(sys.url, BatchProgress, { id }, { key: keys.acme });
    const second = await wsSubscribe(sys.url, BatchProgress, { id }, { key: keys.acme });
    try {
      for (const sub of [first, second])
        expect((await sub.events.next()).batchProgress).toMatchObject({ total: 2, completed: 0 });
      await gql(sys.url, CancelArticle, { id: submitArticles.articles[0]!.id }, keys.acme);
      for (const sub of [first, second])
        expect((await sub.events.next()).batchProgress).toMatchObject({ total: 2, finished: false });
      const other = await wsSubscribe(sys.url, BatchProgress, { id }, { key: keys.globex });
      await expect(other.events.next()).rejects.toThrow(/not found/i);
      await other.close();
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('records which key cancelled and retried an article', async () => {
    const { articleId } = await submit(sys.url, undefined, keys.acme);
    await gql(sys.url, CancelArticle, { id: articleId }, keys.acme);
    const retried = await gql(sys.url, RetryArticle, { id: articleId }, keys.acmeWrite);
    expect(retried.retryArticle.__typename).toBe('RetryArticlePayload');
    const entries = (await createAuditLog(sys.system.infra.db).recent()).filter((e) => e.target === articleId);
    expect(entries.map((e) => [e.action, e.keyId, e.tenantId])).toEqual([
      ['article.retry', keyIds.acmeWrite, 'acme'],
      ['article.cancel', keyIds.acme, 'acme'],
    ]);
  });
});

// The CLI runs as real processes, five of them in one test: 60 s.
describe.runIf(hasRealServices())('distill keys on real services', { timeout: 60_000 }, () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem('real', { roles: { api: true, worker: false }, env: { AUTH: 'required', AUTH_CACHE_MS: '0' } });
  });
  afterAll(() => sys.stop());

  it('distill keys create | list | revoke: the key on the last line, listed by prefix, refused once revoked', async () => {
    const env = { ...process.env, ...sys.environment.env };
    // A refused create, alongside (each CLI process takes seconds to start on a loaded machine).
    const bad = run('node', ['bin/distill.js', 'keys', 'create', '--tenant', 'x', '--scopes', 'root'], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    const created = await run('node', ['bin/distill.js', 'keys', 'create', '--tenant', 'initech', '--scopes', 'articles:read'], {
      env,
    });
    const lines = created.stdout.trim().split('\n');
    const key = lines.at(-1)!;
    const id = /^id: (\S+)$/m.exec(created.stdout)![1]!;
    expect(key).toMatch(/^dk_[0-9a-f]{8}_/);
    const ok = await gqlRequest(sys.url, { query: '{ __typename }' }, bearer(key));
    expect(ok.status).toBe(200);

    const listed = await run('node', ['bin/distill.js', 'keys', 'list'], { env });
    expect(listed.stdout).toContain(
      `id: ${id}  prefix: ${key.slice(0, 11)}  tenant: initech  scopes: articles:read  state: active`,
    );
    expect(listed.stdout).not.toContain(key);

    await run('node', ['bin/distill.js', 'keys', 'revoke', id], { env });
    const refused = await gqlRequest(sys.url, { query: '{ __typename }' }, bearer(key));
    expect(refused.status).toBe(401);
    const audit = (await createAuditLog(sys.system.infra.db).recent()).filter((e) => e.target === id).map((e) => e.action);
    expect(audit).toEqual(['key.revoke', 'key.create']);

    expect(await bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown: root/) });
  });
});
