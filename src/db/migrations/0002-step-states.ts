import { sql, type Kysely } from 'kysely';

/** Step rows of a cancelled job say CANCELLED; step names are checked by the code's catalog, not the table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table job_steps drop constraint job_steps_state_check`.execute(db);
  await sql`alter table job_steps add constraint job_steps_state_check
    check (state in ('PENDING', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED'))`.execute(db);
  await sql`alter table job_steps drop constraint job_steps_step_check`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table job_steps drop constraint job_steps_state_check`.execute(db);
  await sql`alter table job_steps add constraint job_steps_state_check
    check (state in ('PENDING', 'RUNNING', 'DONE', 'FAILED'))`.execute(db);
  await sql`alter table job_steps add constraint job_steps_step_check
    check (step in ('SUMMARY', 'KEYWORDS', 'SENTIMENT'))`.execute(db);
}
