import { startBullmq } from './bullmq.js';
import { startDistill, submitArticle, watchCompletions } from './distill.js';
import { createBenchEnvironment, type BenchEnvironment } from './environment.js';
import { pidsNamed } from './proc.js';

/** One of the two systems under comparison, seen the same way by every scenario. */
export interface Pipeline {
  environment: BenchEnvironment;
  /** Submits article i; resolves with the key its completion is reported by. */
  submit(i: number): Promise<string>;
  /** The ledger column that holds that key. */
  keyColumn: 'article_id' | 'job_id';
  /** When each key's COMPLETED arrived (performance.now()). */
  completedAt: Map<string, number>;
  waitFor(n: number): Promise<void>;
  /** Pids per process group, for CPU per article. */
  processes: Record<string, () => number[]>;
}

/**
 * Runs `measure` on Distill, then on the BullMQ baseline, each on a fresh database and namespace
 * with the same environment, and cleans up after each. With `watchEvents: false` nothing watches
 * the pipelines' events (completedAt stays empty; see completionsInDatabase).
 */
export async function onBothPipelines<T>(
  env: Record<string, string>,
  workerEnv: Record<string, string>,
  measure: (pipeline: Pipeline) => Promise<T>,
  options: { watchEvents: boolean } = { watchEvents: true },
): Promise<{ distill: T; bullmq: T }> {
  let distillResult: T;
  {
    const environment = await createBenchEnvironment(env);
    const distill = await startDistill(environment, { worker: true, workerEnv });
    const completions = options.watchEvents ? await watchCompletions(environment) : unwatched();
    try {
      distillResult = await measure({
        environment,
        submit: async (i) => String(await submitArticle(distill.apiUrl, i)),
        keyColumn: 'article_id',
        completedAt: completions.completedAt,
        waitFor: (n) => completions.waitFor(n),
        processes: {
          api: () => [distill.api.child.pid!],
          worker: () => [distill.worker!.child.pid!],
          postgres: () => pidsNamed('postgres'),
          nats: () => pidsNamed('nats-server'),
          // This process: the mock LLM, the load generator and the completion watcher.
          bench: () => [process.pid],
        },
      });
    } finally {
      await completions.close();
      await distill.stop();
      await environment.cleanup();
    }
  }
  const environment = await createBenchEnvironment(env);
  const bull = await startBullmq(environment, workerEnv, options);
  try {
    const bullmqResult = await measure({
      environment,
      submit: (i) => bull.submit(i),
      keyColumn: 'job_id',
      completedAt: bull.completedAt,
      waitFor: (n) => bull.waitFor(n),
      processes: {
        api: () => [bull.api.child.pid!],
        worker: () => [bull.worker.child.pid!],
        postgres: () => pidsNamed('postgres'),
        redis: () => pidsNamed('redis-server'),
        bench: () => [process.pid],
      },
    });
    return { distill: distillResult, bullmq: bullmqResult };
  } finally {
    await bull.stop();
    await environment.cleanup();
  }
}

/** Stands in for an event watcher when the scenario watches the database instead. */
function unwatched() {
  return {
    completedAt: new Map<string, number>(),
    waitFor: (): Promise<void> => Promise.reject(new Error('events are not watched in this scenario')),
    close: async () => {},
  };
}
