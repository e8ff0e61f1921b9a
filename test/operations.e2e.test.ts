import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitSettled } from './support/await-article.js';
import { gql, gqlRequest, wsSubscribe } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { ArticleDetails, ProcessingStatsQuery, QueueStatsFeed, QueueStatsQuery, Workers } from './support/operations.js';
import { killAll, spawnDistill, type DistillProcess } from './support/processes.js';
import { until } from './support/until.js';
import { hasRealServices } from './support/services.js';
import { createTestEnvironment, startTestSystem, type TestEnvironment, type TestSystem } from './support/system.fixture.js';

// Worker processes share state with the API only through PostgreSQL and NATS, with the defaults
// (JOB_ACK_WAIT_MS included): what an operator sees.
describe.runIf(hasRealServices())('operations: queue stats and workers', { timeout: 90_000 }, () => {
  let mock: MockLlmServer;
  let environment: TestEnvironment;
  let api: TestSystem;
  const children: DistillProcess[] = [];

  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 20 });
    environment = await createTestEnvironment('real', { ...mockLlmEnv(mock), WORKER_CONCURRENCY: '8' });
    api = await startTestSystem('real', { roles: { api: true, worker: false }, environment });
  });
  afterEach(async () => {
    await killAll(children);
  });
  afterAll(async () => {
    await api?.stop();
    await environment?.cleanup();
    await mock.stop();
  });

  async function worker(id: string): Promise<DistillProcess> {
    const child = spawnDistill('work', { ...environment.env, WORKER_ID: id });
    children.push(child);
    await child.waitForLog((l) => l.msg === 'worker started');
    return child;
  }
  const workers = async () => (await gql(api.url, Workers, {})).workers;
  const queueStats = async () => (await gql(api.url, QueueStatsQuery, {})).queueStats;

  it('shows a backlog per priority, then the workers that drain it', async () => {
    const ids = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        submit(api.url, sampleArticle({ title: `Backlog ${i}`, priority: i < 4 ? 'LOW' : 'HIGH' })),
      ),
    );
    const waiting = await until(queueStats, (s) => s.pending === 6, 10_000);
    expect(Object.fromEntries(waiting.byPriority.map((p) => [p.priority, p.pending]))).toEqual({ HIGH: 2, NORMAL: 0, LOW: 4 });
    expect(waiting.byPriority.find((p) => p.priority === 'LOW')!.oldestWaitMs).toBeGreaterThan(0);
    expect(waiting.byPriority.find((p) => p.priority === 'NORMAL')!.oldestWaitMs).toBeNull();
    expect(waiting.activeWorkers).toBe(0);

    const feed = await wsSubscribe(api.url, QueueStatsFeed, { intervalSeconds: 1 });
    await worker('drain-a');
    for (const { articleId } of ids) expect((await awaitSettled(api.url, articleId)).at(-1)!.type).toBe('COMPLETED');
    // The feed's snapshots go from the backlog to an empty queue with one worker taking from it.
    const seen = await feed.events.until((e) => e.queueStats.pending === 0 && e.queueStats.activeWorkers === 1, 20_000);
    expect(seen[0]!.queueStats.pending).toBeGreaterThan(0);
    await feed.close();

    const [listed] = await workers();
    expect(listed).toMatchObject({ id: 'drain-a', state: 'active', concurrency: 8, version: '0.1.0' });
    expect(listed!.host.length).toBeGreaterThan(0);
    // Its heartbeat (every 3 s) catches up with the six jobs it finished.
    await until(workers, (w) => w[0]?.processed === 6 && w[0].inFlight === 0, 10_000);
  });

  it('sums the last hour of jobs: outcomes, success rate and durations; a bad window is a field error', async () => {
    const { processingStats } = await gql(api.url, ProcessingStatsQuery, { minutes: 60 });
    expect(processingStats).toMatchObject({ minutes: 60, succeeded: 6, failed: 0, cancelled: 0, open: 0, successRate: 1 });
    expect(processingStats.avgSeconds).toBeGreaterThan(0);
    expect(processingStats.p95Seconds).toBeGreaterThanOrEqual(processingStats.avgSeconds! * 0.5);
    const bad = await gqlRequest(api.url, { query: '{ processingStats(minutes: 0) { succeeded } }' });
    expect(bad.body.errors?.[0]?.message).toMatch(/minutes/);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('shows a worker killed with SIGKILL as lost within 15 s, and its jobs finish elsewhere within 10 s', async () => {
    // Calls that outlast the test, so the victim dies with all its jobs in flight.
    mock.setLatency(60_000);
    try {
      const victim = await worker('victim');
      const ids = await Promise.all(
        Array.from({ length: 8 }, (_, i) => submit(api.url, sampleArticle({ title: `Orphan ${i}` }))),
      );
      await until(workers, (w) => w.find((x) => x.id === 'victim')?.inFlight === 8, 10_000);
      await worker('heir');
      mock.setLatency(20);
      victim.kill('SIGKILL');
      const killedAt = Date.now();
      await victim.exited;

      // Both timed from the kill, side by side: the jobs' recovery does not wait for the lost mark.
      const recovered = Promise.all(ids.map(({ articleId }) => awaitSettled(api.url, articleId, 20_000))).then((settled) => {
        for (const events of settled) expect(events.at(-1)!.type).toBe('COMPLETED');
        return Date.now() - killedAt;
      });
      // The heir did them (the victim's calls could not have answered).
      const finishedBy = async () =>
        Promise.all(
          ids.map(async ({ articleId }) => (await gql(api.url, ArticleDetails, { id: articleId })).article!.job!.workerId),
        );
      const lost = await until(workers, (w) => w.find((x) => x.id === 'victim')?.state === 'lost', 15_000);
      const lostAfterMs = Date.now() - killedAt;
      expect(lost.find((x) => x.id === 'heir')!.state).toBe('active');
      const recoveredAfterMs = await recovered;
      expect(await finishedBy()).toEqual(ids.map(() => 'heir'));
      console.info(
        `[operations] SIGKILL: lost after ${lostAfterMs} ms; its 8 jobs completed ${recoveredAfterMs} ms after the kill`,
      );
      expect(lostAfterMs).toBeLessThanOrEqual(15_000);
      expect(recoveredAfterMs).toBeLessThanOrEqual(10_000);
    } finally {
      mock.setLatency(20);
    }
  });

  it('drops a worker that stops cleanly from the list', async () => {
    const leaving = await worker('leaving');
    await until(workers, (w) => w.some((x) => x.id === 'leaving' && x.state === 'active'), 10_000);
    leaving.kill('SIGTERM');
    expect((await leaving.exited).code).toBe(0);
    expect((await workers()).map((w) => w.id)).not.toContain('leaving');
  });
});
