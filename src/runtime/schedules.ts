import { Cron } from 'croner';
import { createScheduleRepository } from '../articles/schedule.repository.js';
import type { ScheduledTasks } from '../articles/scheduled-tasks.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { TRANSIENT_ERROR_KINDS } from '../workers/retry-policy.js';

/**
 * The scheduled jobs (what Celery beat did), in every process: each tick of a schedule's cron is
 * claimed in PostgreSQL by exactly one process (the claim moves `last_run_at` to the tick, once),
 * which runs it and records the result. No process leads: when the one that ran a tick dies, the
 * next tick goes to whichever process claims it first; a run it died in stays `running`.
 */
export async function startSchedules(deps: {
  db: Db;
  schedules: Config['schedules'];
  tasks: ScheduledTasks;
  /** This process, as `schedules.holder` records it. */
  holder: string;
  log: Logger;
}) {
  const repo = createScheduleRepository(deps.db);
  const plan: { name: string; cron: string | undefined; run: () => Promise<string> }[] = [
    { name: 'cleanup', cron: deps.schedules.cleanup, run: () => deps.tasks.cleanup() },
    { name: 'retry-failed', cron: deps.schedules.retryFailed, run: () => deps.tasks.retryFailed(TRANSIENT_ERROR_KINDS) },
    { name: 'budget-check', cron: deps.schedules.budgetCheck, run: () => deps.tasks.budgetCheck() },
  ];
  const jobs: Cron[] = [];
  const running = new Set<Promise<void>>();
  for (const { name, cron, run } of plan) {
    if (!cron) continue;
    const log = deps.log.child({ schedule: name });
    const job: Cron = new Cron(cron, { protect: true }, () => {
      const tick = job.previousRuns(1, new Date(Date.now() + 1))[0] ?? new Date();
      const done = runOnce(tick).finally(() => running.delete(done));
      running.add(done);
      return done;
    });
    const runOnce = async (tick: Date) => {
      try {
        if (!(await repo.claim(name, tick, deps.holder, job.nextRun()))) return;
        let result: string;
        try {
          result = await run();
          log.info({ tick: tick.toISOString(), result }, 'scheduled job ran');
        } catch (err) {
          result = `failed: ${err instanceof Error ? err.message : String(err)}`;
          log.error({ err, tick: tick.toISOString() }, 'scheduled job failed');
        }
        await repo.finish(name, tick, result);
      } catch (err) {
        log.warn({ err }, 'could not claim or record a scheduled run; the next tick tries again');
      }
    };
    jobs.push(job);
    await repo.declare(name, cron, job.nextRun());
  }
  return {
    async stop(): Promise<void> {
      for (const job of jobs) job.stop();
      await Promise.all(running);
    },
  };
}
