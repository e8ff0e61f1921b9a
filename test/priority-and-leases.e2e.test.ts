import { OPEN_VIEWER } from '../src/access/viewer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitArticleEvent } from './support/await-article.js';
import { availableBackends } from './support/services.js';
import { startTestSystem, type TestSystem } from './support/system.fixture.js';
import { mockLlmEnv } from './support/mock-llm.js';

const LLM_ENV = (mock: MockLlmServer) => ({
  ...mockLlmEnv(mock),
});

describe.each(availableBackends())('priorities and leases on %s services', (backend) => {
  let mock: MockLlmServer;
  beforeAll(async () => {
    mock = await startMockLlmServer();
  });
  afterAll(() => mock.stop());

  describe('with a LOW flood and two job slots', () => {
    let sys: TestSystem;
    beforeAll(async () => {
      mock.setLatency(100);
      sys = await startTestSystem(backend, { env: { ...LLM_ENV(mock), WORKER_CONCURRENCY: '2', PRIORITY_AGING_MS: '1000' } });
      const low = Array.from({ length: 2_000 }, (_, i) => sampleArticle({ title: `low ${i}`, priority: 'LOW' }));
      for (let i = 0; i < low.length; i += 250) await sys.system.articles.submit(low.slice(i, i + 250), OPEN_VIEWER);
    });
    afterAll(() => sys.stop());

    const jobsOf = (priority: 'HIGH' | 'LOW') =>
      sys.system.infra.db
        .selectFrom('jobs')
        .select(['id', 'state', 'queued_at', 'started_at'])
        .where('priority', '=', priority)
        .execute();

    it('starts a new HIGH job within one slot turnover while thousands of LOW jobs wait', async () => {
      const { articleId, jobId } = await submit(sys.url, sampleArticle({ priority: 'HIGH' }));
      await awaitArticleEvent(sys.url, articleId, (e) => e.type === 'COMPLETED');
      const job = await sys.system.infra.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
      const waitMs = job.started_at!.getTime() - job.queued_at.getTime();
      const lowWaiting = (await jobsOf('LOW')).filter((j) => j.state === 'QUEUED').length;
      console.info(`[priority] HIGH waited ${waitMs} ms with ${lowWaiting} LOW jobs queued (2 slots, model 100 ms)`);
      expect(lowWaiting).toBeGreaterThan(1_500);
      // One turnover is ~100 ms of model time plus bookkeeping; the LOW backlog ahead of it is ~100 s.
      expect(waitMs).toBeLessThan(1_000);
    });

    it('keeps serving LOW while HIGH saturates every slot (aging)', async () => {
      const high = Array.from({ length: 100 }, (_, i) => sampleArticle({ title: `high ${i}`, priority: 'HIGH' }));
      const flood = await sys.system.articles.submit(high, OPEN_VIEWER);
      const floodJobIds = new Set(flood.map((s) => s.job.id));
      await expect
        .poll(async () => (await jobsOf('HIGH')).filter((j) => j.state !== 'SUCCEEDED').length, {
          timeout: 60_000,
          interval: 250,
        })
        .toBe(0);
      const highJobs = (await jobsOf('HIGH')).filter((j) => floodJobIds.has(j.id));
      const from = Math.min(...highJobs.map((j) => j.started_at!.getTime()));
      const to = Math.max(...highJobs.map((j) => j.started_at!.getTime()));
      const lowDuring = (await jobsOf('LOW')).filter(
        (j) => j.started_at && j.started_at.getTime() > from && j.started_at.getTime() < to,
      ).length;
      console.info(
        `[priority] HIGH flood of 100 took ${to - from} ms of starts; ${lowDuring} LOW jobs started meanwhile (aging 1 s)`,
      );
      expect(to - from).toBeGreaterThan(2_000);
      // About one LOW job per aging period: progress, but HIGH keeps the slots.
      expect(lowDuring).toBeGreaterThanOrEqual(Math.floor((to - from) / 1_000) - 1);
      expect(lowDuring).toBeLessThanOrEqual(Math.ceil((to - from) / 1_000) + 2);
    });
  });

  describe('with an ack wait shorter than the model call', () => {
    let sys: TestSystem;
    beforeAll(async () => {
      sys = await startTestSystem(backend, { env: { ...LLM_ENV(mock), JOB_ACK_WAIT_MS: '1000' } });
    });
    afterAll(() => sys.stop());

    it('keeps the lease alive with heartbeats: a 3.5 s call on a 1 s ack wait runs once', async () => {
      mock.reset();
      mock.setLatency(3_500);
      const { articleId } = await submit(sys.url);
      await awaitArticleEvent(sys.url, articleId, (e) => e.type === 'COMPLETED');
      const job = await sys.system.infra.db
        .selectFrom('jobs')
        .selectAll()
        .where('article_id', '=', Number(articleId))
        .executeTakeFirstOrThrow();
      expect(job.attempt).toBe(1);
      expect(mock.stats().requests).toBe(3);
      const calls = await sys.system.infra.db
        .selectFrom('llm_calls')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('article_id', '=', Number(articleId))
        .executeTakeFirstOrThrow();
      expect(calls.n).toBe(3);
    });
  });
});
