import { randomBytes } from 'node:crypto';
import { QueueEvents, Queue } from 'bullmq';
import type { DistillProcess } from '../../test/support/processes.js';
import { spawnDistill } from '../../test/support/processes.js';
import type { BenchEnvironment } from './environment.js';
import { benchContent } from './distill.js';
import { postJson } from './http.js';

const REDIS = { host: '127.0.0.1', port: 6379 };

/** The BullMQ baseline as two processes (API and worker), on its own queue name. */
export async function startBullmq(
  environment: BenchEnvironment,
  workerEnv: Record<string, string> = {},
  options: { watchEvents: boolean } = { watchEvents: true },
) {
  const queueName = `bench-${randomBytes(4).toString('hex')}`;
  const env = { ...environment.env, BULLMQ_QUEUE: queueName, REDIS_URL: `redis://${REDIS.host}:${REDIS.port}` };
  const api = spawnDistill('__baseline-api', env, ['bench/baselines/bullmq-pipeline.ts', 'api']);
  const ready = await api.waitForLog((l) => typeof l.url === 'string');
  const worker = spawnDistill('__baseline-worker', { ...env, ...workerEnv }, ['bench/baselines/bullmq-pipeline.ts', 'worker']);
  await worker.waitForLog((l) => l.msg === 'worker started');
  for (const p of [api, worker]) p.ignoreLogs();
  const events = options.watchEvents ? new QueueEvents(queueName, { connection: REDIS }) : undefined;
  await events?.waitUntilReady();
  const completedAt = new Map<string, number>();
  const waiters: { n: number; resolve: () => void }[] = [];
  events?.on('completed', ({ jobId }) => {
    completedAt.set(jobId, performance.now());
    for (const w of waiters.filter((w) => completedAt.size >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const apiUrl = ready.url as string;
  return {
    api,
    worker,
    completedAt,
    waitFor(n: number, timeoutMs = 300_000): Promise<void> {
      if (completedAt.size >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${completedAt.size}/${n} completed`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    /** POST /submit; resolves with the job id. */
    async submit(i: number): Promise<string> {
      const body = await postJson<{ jobId?: string }>(`${apiUrl}/submit`, {
        title: `Story ${i}`,
        content: benchContent(i),
        sourceUrl: `https://bench.example/${i}`,
        priority: 'NORMAL',
      });
      if (!body.jobId) throw new Error(`baseline submit failed: ${JSON.stringify(body)}`);
      return body.jobId;
    },
    async stop(): Promise<void> {
      await events?.close();
      for (const p of [api, worker] as DistillProcess[]) p.kill('SIGKILL');
      await Promise.all([api.exited, worker.exited]);
      const queue = new Queue(queueName, { connection: REDIS });
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
    },
  };
}
