import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { submit } from './support/articles.js';
import { gqlRequest, sseSubscribe, wsSubscribe } from './support/graphql-client.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';

/** The 1.8 KB fragment bomb: each level spreads the one below twice, 2^20 paths in all. */
function fragmentBomb(articleId: string, levels = 20): string {
  const fragments = ['fragment F0 on Article { id title }'];
  for (let i = 1; i <= levels; i++)
    fragments.push(`fragment F${i} on Article { a: job { article { ...F${i - 1} } } b: job { article { ...F${i - 1} } } }`);
  return `query Bomb { article(id: "${articleId}") { ...F${levels} } }\n${fragments.join('\n')}`;
}

function nestedJobs(articleId: string, depth: number): string {
  let selection = 'id';
  for (let i = 0; i < depth; i++) selection = `jobs { article { ${selection} } }`;
  return `{ article(id: "${articleId}") { ${selection} } }`;
}

const aliasFlood = (count: number) =>
  `mutation { ${Array.from({ length: count }, (_, i) => `a${i}: submitArticle(input: { title: "t", content: "c${i}", sourceUrl: "https://x.io/${i}" }) { __typename }`).join(' ')} }`;

/** The bomb as a subscription: the same fragments under `articleEvents { article }`. */
const subscriptionBomb = (articleId: string) =>
  fragmentBomb(articleId).replace(
    `query Bomb { article(id: "${articleId}") { ...F20 } }`,
    `subscription Bomb { articleEvents(id: "${articleId}") { article { ...F20 } } }`,
  );

describe.each(availableBackends())('operation limits on %s services', (backend) => {
  let sys: TestSystem;
  let articleId: string;
  const countArticles = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from articles`.execute(sys.system.infra.db)).rows[0]!.n);

  beforeAll(async () => {
    sys = await startTestSystem(backend, { roles: { api: true, worker: false } });
    ({ articleId } = await submit(sys.url));
  });
  afterAll(() => sys.stop());

  it('answers the 1.8 KB fragment bomb with a GraphQL error at once, and keeps serving', async () => {
    const query = fragmentBomb(articleId);
    expect(query.length).toBeLessThan(2_000);
    const started = performance.now();
    const [bomb, health] = await Promise.all([gqlRequest(sys.url, { query }), fetch(`${sys.url}/healthz`)]);
    const elapsed = performance.now() - started;
    expect(bomb.body.data).toBeUndefined();
    expect(bomb.body.errors![0]!.message).toMatch(/limit of \d+ exceeded/);
    expect(health.status).toBe(200);
    // Before the limits it took seconds and gigabytes; bench/RESULTS.md has the measured time.
    expect(elapsed).toBeLessThan(1_000);
  });

  it('refuses nesting deeper than the limit, and a wide nesting by its cost (lists count by their size)', async () => {
    const deep = await gqlRequest(sys.url, { query: nestedJobs(articleId, 8) });
    expect(deep.body.errors![0]!.message).toMatch(/depth limit of 10 exceeded/);
    const costly = await gqlRequest(sys.url, { query: nestedJobs(articleId, 4) });
    expect(costly.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 5_000 });
    expect(costly.body.data).toBeUndefined();
    const fine = await gqlRequest(sys.url, { query: nestedJobs(articleId, 2) });
    expect(fine.body.errors).toBeUndefined();
  });

  it('refuses the 1,000-alias submitArticle flood and creates nothing', async () => {
    const before = await countArticles();
    const flood = await gqlRequest(sys.url, { query: aliasFlood(1_000) });
    expect(flood.body.errors![0]!.message).toMatch(/Token limit of 2000 exceeded/);
    const eleven = await gqlRequest(sys.url, { query: aliasFlood(11) });
    expect(eleven.body.errors![0]).toMatchObject({
      message: 'An operation may run at most 10 mutations; this one has 11',
      extensions: { code: 'TOO_MANY_MUTATIONS' },
    });
    expect(await countArticles()).toBe(before);
    const ten = await gqlRequest(sys.url, { query: aliasFlood(10) });
    expect(ten.body.errors).toBeUndefined();
    expect(await countArticles()).toBe(before + 10);
  });

  it('applies the same limits to subscriptions over WebSocket and SSE', async () => {
    const query = subscriptionBomb(articleId);
    expect(query).toContain('subscription Bomb');
    for (const subscribe of [wsSubscribe, sseSubscribe]) {
      const sub = await subscribe(sys.url, query, {}).catch((err: Error) => err);
      const error = sub instanceof Error ? sub : await sub.events.next().catch((err: Error) => err);
      expect(String(error)).toMatch(/limit of \d+ exceeded/);
      if (!(sub instanceof Error)) await sub.close();
    }
  });

  it('refuses a subscription over the cost budget, on WebSocket and SSE alike', async () => {
    // Shallow enough for the depth limit; eight aliased job lists, three deep, are over the budget.
    const lists = Array.from({ length: 8 }, (_, i) => `l${i}: jobs { article { jobs { article { jobs { id } } } } }`).join(' ');
    const costly = `subscription { articleEvents(id: "${articleId}") { article { ${lists} } } }`;
    for (const subscribe of [wsSubscribe, sseSubscribe]) {
      const sub = await subscribe(sys.url, costly, {}).catch((err: Error) => err);
      const first = sub instanceof Error ? sub : await sub.events.next().catch((err: Error) => err);
      expect(String(first)).toMatch(/Query is too complex/);
      if (!(sub instanceof Error)) await sub.close();
    }
  });
});

describe.each(availableBackends())('production GraphQL surface on %s services', (backend) => {
  let prod: TestSystem;
  let open: TestSystem;
  beforeAll(async () => {
    prod = await startTestSystem(backend, { roles: { api: true, worker: false }, env: { NODE_ENV: 'production', AUTH: 'off' } });
    open = await startTestSystem(backend, {
      roles: { api: true, worker: false },
      env: { NODE_ENV: 'production', AUTH: 'off', GRAPHQL_INTROSPECTION: 'true' },
    });
  });
  afterAll(async () => {
    await prod.stop();
    await open.stop();
  });

  it('turns introspection and "Did you mean" suggestions off in production', async () => {
    const introspection = await gqlRequest(prod.url, { query: '{ __schema { types { name } } }' });
    expect(introspection.body.errors![0]!.message).toMatch(/introspection/i);
    const typo = await gqlRequest(prod.url, { query: '{ articel(id: "1") { id } }' });
    expect(typo.body.errors![0]!.message).toMatch(/Cannot query field "articel"/);
    expect(typo.body.errors![0]!.message).not.toMatch(/Did you mean/);
  });

  it('keeps them on with GRAPHQL_INTROSPECTION=true', async () => {
    const introspection = await gqlRequest(open.url, { query: '{ __schema { queryType { name } } }' });
    expect(introspection.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const typo = await gqlRequest(open.url, { query: '{ articel(id: "1") { id } }' });
    expect(typo.body.errors![0]!.message).toMatch(/Did you mean "article"/);
  });
});
