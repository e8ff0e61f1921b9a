import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlmServer, type MockLlmServer } from '../src/devtools/mock-llm.server.js';
import { sampleArticle, submit } from './support/articles.js';
import { awaitArticleEvent, awaitSettled } from './support/await-article.js';
import { gql } from './support/graphql-client.js';
import { mockLlmEnv } from './support/mock-llm.js';
import { ArticleDetails, Schedules } from './support/operations.js';
import { killAll, spawnDistill, type DistillProcess } from './support/processes.js';
import { until } from './support/until.js';
import { hasRealServices } from './support/services.js';
import { createTestEnvironment, startTestSystem, type TestEnvironment, type TestSystem } from './support/system.fixture.js';

const EVERY_SECOND = '* * * * * *';

describe.runIf(hasRealServices())('scheduled jobs run once per tick across processes', { timeout: 60_000 }, () => {
  let environment: TestEnvironment;
  const children: DistillProcess[] = [];
  beforeAll(async () => {
    environment = await createTestEnvironment('real', {
      SCHEDULE_BUDGET_CHECK: EVERY_SECOND,
      SCHEDULE_CLEANUP: 'off',
      SCHEDULE_RETRY_FAILED: 'off',
    });
  });
  afterAll(async () => {
    await killAll(children);
    await environment?.cleanup();
  });

  async function serve(id: string): Promise<{ process: DistillProcess; url: string }> {
    const child = spawnDistill('serve', { ...environment.env, WORKER_ID: id });
    children.push(child);
    const ready = await child.waitForLog((l) => typeof l.url === 'string');
    return { process: child, url: (ready.url as string).replace(/\/graphql$/, '') };
  }
  /** The ticks each process ran, from its log lines. */
  const ticksOf = (p: DistillProcess) => p.logs.filter((l) => l.msg === 'scheduled job ran').map((l) => l.tick as string);

  it('runs each tick in exactly one of two API processes, and goes on in the other when that one is killed', async () => {
    const [a, b] = [await serve('sched-a'), await serve('sched-b')];
    const schedules = async () => (await gql(a.url, Schedules, {})).schedules;
    const ran = await until(schedules, (s) => (s.find((x) => x.name === 'budget-check')?.runs ?? 0) >= 5, 20_000);
    expect(ran.map((s) => s.name)).toEqual(['budget-check']);
    const check = ran[0]!;
    expect(check).toMatchObject({ cron: EVERY_SECOND });
    expect(check.lastResult).toMatch(/paused jobs resumed|running/);
    expect(new Date(check.nextRunAt!).getTime()).toBeGreaterThan(new Date(check.lastRunAt!).getTime());

    const [ticksA, ticksB] = [ticksOf(a.process), ticksOf(b.process)];
    // No tick ran twice: not in one process, not in both.
    expect(new Set([...ticksA, ...ticksB]).size).toBe(ticksA.length + ticksB.length);

    // Kill whichever ran last: the other takes the next ticks.
    const holder = check.holder === 'sched-a' ? a : b;
    const survivor = holder === a ? b : a;
    holder.process.kill('SIGKILL');
    await holder.process.exited;
    const before = check.runs;
    const after = await until(
      async () => (await gql(survivor.url, Schedules, {})).schedules[0]!,
      (s) => s.runs >= before + 3 && s.holder === (survivor === a ? 'sched-a' : 'sched-b'),
      20_000,
    );
    expect(after.lastResult).not.toMatch(/^failed/);
  });
});

describe.runIf(hasRealServices())('what the scheduled jobs do', { timeout: 60_000 }, () => {
  let mock: MockLlmServer;
  let sys: TestSystem;
  beforeAll(async () => {
    mock = await startMockLlmServer({ latencyMs: 5 });
    sys = await startTestSystem('real', {
      env: {
        ...mockLlmEnv(mock),
        JOB_MAX_ATTEMPTS: '1',
        RESULT_RETENTION_DAYS: '30',
        SCHEDULE_RETRY_FAILED: EVERY_SECOND,
        SCHEDULE_CLEANUP: EVERY_SECOND,
        SCHEDULE_BUDGET_CHECK: 'off',
      },
    });
  });
  afterAll(async () => {
    await sys.stop();
    await mock.stop();
  });

  it('queues again a job that failed for a transient reason, not one whose request was wrong', async () => {
    // One article fails on a 500 (transient), one on a 400 (its request is wrong); one attempt each.
    mock.script([{ status: 500, task: 'summary' }]);
    const transient = await submit(sys.url, sampleArticle({ title: 'Unlucky' }));
    await awaitArticleEvent(sys.url, transient.articleId, (e) => e.type === 'FAILED');
    mock.script([{ status: 400, task: 'summary' }]);
    const wrong = await submit(sys.url, sampleArticle({ title: 'Wrong' }));
    await awaitArticleEvent(sys.url, wrong.articleId, (e) => e.type === 'FAILED');
    // The next tick of retry-failed queues the first again, and the mock answers it this time.
    const events = await awaitArticleEvent(sys.url, transient.articleId, (e) => e.type === 'COMPLETED', 20_000);
    expect(events.filter((e) => e.type === 'FAILED')).toHaveLength(1);
    expect(events.at(-1)!.type).toBe('COMPLETED');
    const article = (await gql(sys.url, ArticleDetails, { id: wrong.articleId })).article!;
    expect(article).toMatchObject({ status: 'FAILED' });
    expect(article.job!.errorKind).toBe('bad_request');
  });

  it('deletes finished articles older than RESULT_RETENTION_DAYS, and nothing newer', async () => {
    const [old, recent] = [
      await submit(sys.url, sampleArticle({ title: 'Old' })),
      await submit(sys.url, sampleArticle({ title: 'Recent' })),
    ];
    for (const { articleId } of [old, recent]) expect((await awaitSettled(sys.url, articleId)).at(-1)!.type).toBe('COMPLETED');
    await sql`update articles set processed_at = now() - interval '31 days' where id = ${Number(old.articleId)}`.execute(
      sys.system.infra.db,
    );
    await until(
      async () => (await gql(sys.url, ArticleDetails, { id: old.articleId })).article,
      (a) => a === null,
      10_000,
    );
    expect((await gql(sys.url, ArticleDetails, { id: recent.articleId })).article).not.toBeNull();
  });
});
