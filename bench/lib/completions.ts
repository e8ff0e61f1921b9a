import pg from 'pg';
import type { BenchEnvironment } from './environment.js';

const POLL_MS = 20;

/**
 * Completions as PostgreSQL records them (articles COMPLETED, and when), polled. Both pipelines
 * write these rows through the same job processor, so watching them costs both the same, unlike
 * their event streams: Distill's eight NATS events per article against BullMQ's Redis stream.
 */
export async function completionsInDatabase(environment: BenchEnvironment) {
  const client = new pg.Client({ connectionString: environment.databaseUrl });
  await client.connect();
  const read = async () => {
    const { rows } = await client.query<{ n: number; last: number | null }>(
      `select count(*)::int as n, (extract(epoch from max(processed_at)) * 1000)::float8 as last
       from articles where status = 'COMPLETED'`,
    );
    return rows[0]!;
  };
  return {
    /** Resolves once `n` articles are COMPLETED, with the epoch ms of the last completion. */
    async waitFor(n: number, timeoutMs = 300_000): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { n: done, last } = await read();
        if (done >= n) return last!;
        if (Date.now() > deadline) throw new Error(`only ${done}/${n} completed in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    close: () => client.end(),
  };
}
