/**
 * One batch of 1,000 articles through the repository alone (no GraphQL, no queue): where a
 * submitArticles call spends its time in PostgreSQL. `node --import tsx bench/micro/batch-insert.ts`
 */
import { createJobRepository } from '../../src/articles/job.repository.js';
import { validateSubmissions } from '../../src/articles/submission.validation.js';
import { createDatabase } from '../../src/db/database.js';
import { sql } from 'kysely';
import { benchContent } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { round, summarize } from '../lib/stats.js';

const environment = await createBenchEnvironment();
const db = await createDatabase({ kind: 'postgres', url: environment.databaseUrl, poolSize: 2, queryTimeoutMs: 60_000 });
const jobs = createJobRepository(db);
const long = process.argv.includes('--long');
const content = (i: number) => (long ? benchContent(i).repeat(20) : benchContent(i));
const inputs = Array.from({ length: 1_000 }, (_, i) => ({
  title: `Story ${i}`,
  content: content(i),
  sourceUrl: `https://b.example/${i}`,
}));
const run = async (label: string) => {
  const validate: number[] = [];
  const insert: number[] = [];
  for (let r = 0; r < 15; r++) {
    let t = performance.now();
    const submissions = validateSubmissions(inputs, 100_000, { maxItems: 1_000 });
    validate.push(performance.now() - t);
    t = performance.now();
    await jobs.enqueueBatch(submissions, 'bench', 3);
    insert.push(performance.now() - t);
  }
  const v = summarize(validate.slice(5));
  const s = summarize(insert.slice(5));
  console.log(label, { validateP50: round(v.p50), insertP50: round(s.p50), insertMax: round(s.max) });
};
await run('with every index');
// Then without each index in turn (cumulative), to see what each costs the statement.
for (const index of ['article_search_doc_idx', 'articles_batch_idx', 'jobs_state_queued_idx', 'jobs_article_idx']) {
  await sql`drop index ${sql.raw(index)}`.execute(db);
  await run(`without ${index} (and those above)`);
}
await db.destroy();
await environment.cleanup();
