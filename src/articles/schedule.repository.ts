import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** A schedule as operators see it (`schedules`). */
export interface ScheduleView {
  name: string;
  cron: string;
  lastRunAt: Date | null;
  nextRunAt: Date | null;
  lastResult: string | null;
  /** The process that ran it last. */
  holder: string | null;
  runs: number;
}

/** Scheduled jobs' rows: declared, claimed per tick by exactly one process, finished with a result. */
export function createScheduleRepository(db: Db) {
  return {
    /** Records a schedule's cron and next run (every process does at start; the last one wins, alike). */
    async declare(name: string, cron: string, nextRunAt: Date | null): Promise<void> {
      await db
        .insertInto('schedules')
        .values({ name, cron, next_run_at: nextRunAt })
        .onConflict((oc) => oc.column('name').doUpdateSet({ cron, next_run_at: nextRunAt }))
        .execute();
    },

    /**
     * Claims the run due at `tick` for `holder`: true for exactly one of the processes that ask
     * (the claim moves last_run_at forward to `tick`; a second claim of the same tick finds it there).
     * The claim also records the next run, so the row never shows a next run at or before the last.
     */
    async claim(name: string, tick: Date, holder: string, nextRunAt: Date | null): Promise<boolean> {
      const { rows } = await sql<{ name: string }>`
        update schedules set last_run_at = ${tick}, next_run_at = ${nextRunAt}, holder = ${holder},
          last_result = 'running', runs = runs + 1
        where name = ${name} and (last_run_at is null or last_run_at < ${tick})
        returning name`.execute(db);
      return rows.length === 1;
    },

    /** Records the result of the run at `tick`, unless a later tick has been claimed meanwhile. */
    async finish(name: string, tick: Date, result: string): Promise<void> {
      await db
        .updateTable('schedules')
        .set({ last_result: result })
        .where('name', '=', name)
        .where('last_run_at', '=', tick)
        .execute();
    },

    async list(): Promise<ScheduleView[]> {
      const rows = await db.selectFrom('schedules').selectAll().orderBy('name').execute();
      return rows.map((r) => ({
        name: r.name,
        cron: r.cron,
        lastRunAt: r.last_run_at,
        nextRunAt: r.next_run_at,
        lastResult: r.last_result,
        holder: r.holder,
        runs: Number(r.runs),
      }));
    },
  };
}

export type ScheduleRepository = ReturnType<typeof createScheduleRepository>;
