import { sql, type Kysely } from 'kysely';

/** What a submission asked of its steps (summary length, number of keywords, output language); null: the defaults. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table articles add column options jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table articles drop column options`.execute(db);
}
