import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyRepository } from '../src/access/api-key.repository.js';
import type { KeyLimitSettings } from '../src/access/viewer.js';
import { sampleArticle } from './support/articles.js';
import { bearer, gql, gqlRequest } from './support/graphql-client.js';
import { SubmitArticle } from './support/operations.js';
import { availableBackends, hasRealServices } from './support/services.js';
import { createTestEnvironment, startTestSystem, type TestEnvironment, type TestSystem } from './support/system.fixture.js';

const SUBMIT_LIMITED = `mutation ($input: SubmitArticleInput!) {
  submitArticle(input: $input) { __typename ... on RateLimitedError { message retryAfterSeconds } }
}`;

async function createKey(sys: TestSystem, tenantId: string, limits: Partial<KeyLimitSettings> = {}): Promise<string> {
  const { key } = await createApiKeyRepository(sys.system.infra.db).create({
    tenantId,
    scopes: ['articles:read', 'articles:write'],
    limits,
  });
  return key;
}

describe.each(availableBackends())('limits per key and tenant on %s services', (backend) => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem(backend, {
      roles: { api: true, worker: false },
      env: { AUTH: 'required', MAX_JOBS_IN_FLIGHT_PER_TENANT: '3' },
    });
  });
  afterAll(() => sys.stop());

  it('refuses requests over the key rate with 429, Retry-After and RATE_LIMITED', async () => {
    const key = await createKey(sys, 'burst', { ratePerSecond: 0.01, rateBurst: 3 });
    for (let i = 0; i < 3; i++) expect((await gqlRequest(sys.url, { query: '{ __typename }' }, bearer(key))).status).toBe(200);
    const response = await fetch(`${sys.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(key) },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await response.json()) as { errors: { extensions: { code: string; retryAfterSeconds: number } }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    // Another key is not affected.
    const other = await createKey(sys, 'burst', { ratePerSecond: 0.01, rateBurst: 3 });
    expect((await gqlRequest(sys.url, { query: '{ __typename }' }, bearer(other))).status).toBe(200);
  });

  it('answers articles over the daily allowance with RateLimitedError and writes nothing', async () => {
    const key = await createKey(sys, 'daily', { dailyArticles: 2 });
    for (let i = 0; i < 2; i++)
      expect((await gql(sys.url, SubmitArticle, { input: sampleArticle() }, key)).submitArticle.__typename).toBe(
        'SubmitArticlePayload',
      );
    const refused = await gqlRequest(sys.url, { query: SUBMIT_LIMITED, variables: { input: sampleArticle() } }, bearer(key));
    expect(refused.body.data).toEqual({
      submitArticle: {
        __typename: 'RateLimitedError',
        message: expect.stringMatching(/daily article allowance/),
        retryAfterSeconds: expect.any(Number),
      },
    });
    const { count } = await sys.system.infra.db
      .selectFrom('articles')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('tenant_id', '=', 'daily')
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(2);
  });

  it("answers a tenant's submissions over its jobs in flight with RateLimitedError; other tenants go on", async () => {
    const key = await createKey(sys, 'busy');
    for (let i = 0; i < 3; i++)
      expect((await gql(sys.url, SubmitArticle, { input: sampleArticle() }, key)).submitArticle.__typename).toBe(
        'SubmitArticlePayload',
      );
    const refused = await gqlRequest(sys.url, { query: SUBMIT_LIMITED, variables: { input: sampleArticle() } }, bearer(key));
    expect(refused.body.data).toMatchObject({
      submitArticle: { __typename: 'RateLimitedError', message: expect.stringMatching(/3 jobs in flight/) },
    });
    const calm = await createKey(sys, 'calm');
    expect((await gql(sys.url, SubmitArticle, { input: sampleArticle() }, calm)).submitArticle.__typename).toBe(
      'SubmitArticlePayload',
    );
  });
});

describe.runIf(hasRealServices())('one request rate shared by two API processes', () => {
  let environment: TestEnvironment;
  let a: TestSystem;
  let b: TestSystem;
  beforeAll(async () => {
    environment = await createTestEnvironment('real', { AUTH: 'required' });
    a = await startTestSystem('real', { roles: { api: true, worker: false }, environment });
    b = await startTestSystem('real', { roles: { api: true, worker: false }, environment });
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await environment.cleanup();
  });

  it('counts requests on either replica against the same bucket', async () => {
    const key = await createKey(a, 'shared', { ratePerSecond: 0.01, rateBurst: 4 });
    const statuses = [];
    for (const sys of [a, b, a, b, a, b])
      statuses.push((await gqlRequest(sys.url, { query: '{ __typename }' }, bearer(key))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
