import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Db } from '../src/db/database.js';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { splitByTokens } from '../src/llm/chunking.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitSettled } from './support/await-article.js';
import { gql } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { ArticleDetails } from './support/operations.js';
import { killAll, spawnDistill, type DistillProcess } from './support/processes.js';
import { availableBackends, hasRealServices } from './support/services.js';
import { createTestEnvironment, startTestSystem, type TestEnvironment, type TestSystem } from './support/system.fixture.js';

/** About 100,000 characters of news, in paragraphs that differ (so chunk summaries differ too). */
const longArticle = (label: string) => {
  const paragraphs: string[] = [];
  for (let i = 0; paragraphs.join('\n\n').length < 100_000; i++)
    paragraphs.push(
      `In district ${i} of ${label}, the council approved ${i * 3 + 7} new homes on Tuesday after a long debate. ` +
        `The plan costs ${i * 11 + 5} million and adds a school, a clinic and ${i + 2} parks by next year. ` +
        `Residents praised the growth but asked for more buses, and the mayor promised a study by spring.`,
    );
  return sampleArticle({ title: `The long report on ${label}`, content: paragraphs.join('\n\n').slice(0, 100_000) });
};

async function completed(url: string, articleId: string) {
  const events = await awaitSettled(url, articleId, 60_000);
  expect(events.at(-1)!.type).toBe('COMPLETED');
  return (await gql(url, ArticleDetails, { id: articleId })).article!;
}

const chunkCalls = (article: Awaited<ReturnType<typeof completed>>) =>
  article.llmCalls.filter((c) => c.callIndex > 0).sort((a, b) => a.callIndex - b.callIndex);

describe.each(availableBackends())('long content (map-reduce) on %s services', (backend) => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 20 });
    sys = await startTestSystem(backend, { env: { ...mockLlmEnv(mock), JOB_BACKOFF_BASE_MS: '100', JOB_BACKOFF_MAX_MS: '200' } });
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });

  it('completes a 100,000-character article: each chunk summarized and booked, then every step on the chunk summaries', async () => {
    mock.reset();
    const input = longArticle('Riverside');
    const chunks = (await splitByTokens(input.content, sys.config.llm.chunkTokens))!;
    expect(chunks.length).toBeGreaterThanOrEqual(3);

    const article = await completed(sys.url, (await submit(sys.url, input)).articleId);
    const map = chunkCalls(article);
    expect(map.map((c) => c.callIndex)).toEqual(chunks.map((_, i) => i + 1));
    for (const call of map) expect(call).toMatchObject({ step: 'SUMMARY', promptVersion: 'map-v1', cached: false });
    expect(map.every((c) => c.costUsd! > 0 && c.inputTokens > 0)).toBe(true);
    const steps = article.llmCalls.filter((c) => c.callIndex === 0);
    expect(steps.map((c) => c.step).sort()).toEqual(['KEYWORDS', 'SENTIMENT', 'SUMMARY']);
    expect(article.costUsd).toBeCloseTo(
      article.llmCalls.reduce((sum, c) => sum + c.costUsd!, 0),
      10,
    );

    const stats = mock.stats();
    expect(stats.requests).toBe(chunks.length + 3);
    // No call read the whole article: the chunks were within the limit, and the steps read their summaries.
    expect(stats.maxPromptChars).toBeLessThan(input.content.length / 2);
    expect(stats.systemPrompts.filter((s) => s.includes(`of ${chunks.length} of a long news article`))).toHaveLength(
      chunks.length,
    );
    expect(article.summary).toMatch(/district \d+ of Riverside/);
  });

  it('pays for a finished chunk once: a retried attempt calls only the chunk that failed', async () => {
    mock.reset();
    const input = longArticle('Hillview');
    const chunks = (await splitByTokens(input.content, sys.config.llm.chunkTokens))!;
    mock.script([{ status: 500, bodyIncludes: `part 2 of ${chunks.length}` }]);

    const article = await completed(sys.url, (await submit(sys.url, input)).articleId);
    expect(article.job!.attempt).toBe(2);
    expect(chunkCalls(article).map((c) => [c.callIndex, c.attempt])).toEqual(chunks.map((_, i) => [i + 1, i === 1 ? 2 : 1]));
    // Every chunk once, the failed one twice (500, then its answer), and the three steps.
    expect(mock.stats().requests).toBe(chunks.length + 1 + 3);
    expect(mock.stats().byStatus[500]).toBe(1);
  });

  it('answers short content in one call per step, without counting its tokens', async () => {
    mock.reset();
    const article = await completed(sys.url, (await submit(sys.url, sampleArticle({ title: 'Short one' }))).articleId);
    expect(chunkCalls(article)).toEqual([]);
    expect(mock.stats().requests).toBe(3);
  });
});

describe.runIf(hasRealServices())('long content when its worker is killed mid-map', { timeout: 90_000 }, () => {
  let mock: MockLlmServer;
  let environment: TestEnvironment;
  let api: TestSystem;
  let db: Db;
  const children: DistillProcess[] = [];
  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 20 });
    environment = await createTestEnvironment('real', { ...mockLlmEnv(mock), JOB_ACK_WAIT_MS: '2000', LLM_CHUNK_TOKENS: '2000' });
    api = await startTestSystem('real', { roles: { api: true, worker: false }, environment });
    db = await createDatabase({ kind: 'postgres', url: environment.env.DATABASE_URL!, poolSize: 1, queryTimeoutMs: 10_000 });
  });
  afterEach(async () => {
    await killAll(children);
  });
  afterAll(async () => {
    await api?.stop();
    await db?.destroy();
    await environment?.cleanup();
    await mock.stop();
  });

  const worker = (id: string) => {
    const child = spawnDistill('work', { ...environment.env, WORKER_ID: id });
    children.push(child);
    return child;
  };

  it('does not pay again for the chunks finished before a SIGKILL', async () => {
    const input = longArticle('Lakeside');
    const chunks = (await splitByTokens(input.content, 2_000))!;
    expect(chunks.length).toBeGreaterThanOrEqual(10);
    // Part 3 never answers: the worker dies with it in flight, the other chunks booked.
    mock.script([{ hang: true, bodyIncludes: `part 3 of ${chunks.length}`, times: 1_000 }]);

    const victim = worker('map-victim');
    const { articleId } = await submit(api.url, input);
    let summarized = 0;
    await victim.waitForLog((l) => l.msg === 'chunk summarized' && ++summarized === chunks.length - 1, 60_000);
    victim.kill('SIGKILL');
    await victim.exited;
    mock.script([]);
    mock.reset();

    worker('map-heir');
    const article = await completed(api.url, articleId);
    // The heir made the chunk that hung and the three steps: nothing the victim had booked.
    expect(mock.stats().requests).toBe(1 + 3);
    expect(mock.stats().systemPrompts.filter((s) => s.includes('of a long news article'))).toEqual([
      expect.stringContaining(`part 3 of ${chunks.length}`),
    ]);
    const map = chunkCalls(article);
    expect(map.map((c) => c.callIndex)).toEqual(chunks.map((_, i) => i + 1));
    expect(map.filter((c) => c.attempt === 2).map((c) => c.callIndex)).toEqual([3]);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from article_chunks where article_id = ${Number(articleId)}`.execute(db);
    expect(rows[0]!.n).toBe(chunks.length);
  });
});
