import pg from 'pg';
import type { BenchEnvironment } from './environment.js';

const POLL_MS = 20;

/** The application_name of the benchmark's own connections (not counted as the pipeline's). */
export const BENCH_APPLICATION = 'distill-bench';

/**
 * Completions as PostgreSQL records them (articles COMPLETED, and when), polled. Both pipelines
 * write these rows through the same job processor, so watching them costs both the same, unlike
 * their event streams: Distill's eight NATS events per article against BullMQ's Redis stream.
 */
export async function completionsInDatabase(environment: BenchEnvironment) {
  const client = new pg.Client({ connectionString: environment.databaseUrl, application_name: BENCH_APPLICATION });
  await client.connect();
  // By primary key range, so the poll stays cheap on tables seeded with millions of articles.
  const read = async (afterId: number) => {
    const { rows } = await client.query<{ n: number; last: number | null }>(
      `select count(*)::int as n, (extract(epoch from max(processed_at)) * 1000)::float8 as last
       from articles where id > $1 and status = 'COMPLETED'`,
      [afterId],
    );
    return rows[0]!;
  };
  return {
    /**
     * Resolves once `n` articles (of those with an id above `afterId`) are COMPLETED, with the
     * epoch ms of the last completion.
     */
    async waitFor(n: number, timeoutMs = 300_000, afterId = 0): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { n: done, last } = await read(afterId);
        if (done >= n) return last!;
        if (Date.now() > deadline) throw new Error(`only ${done}/${n} completed in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    close: () => client.end(),
  };
}
