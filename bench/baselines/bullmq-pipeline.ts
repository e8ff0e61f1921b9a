/**
 * The same pipeline on BullMQ + Redis, for comparison: the same article service and job processor
 * (so the same PostgreSQL writes, the same SDK calls to the same mock LLM), with BullMQ as the queue
 * and a plain JSON HTTP endpoint instead of GraphQL — what a team would glue together.
 *
 *   node --import tsx bench/baselines/bullmq-pipeline.ts api|worker
 * Env: Distill's (DATABASE_URL, OPENAI_*, ANTHROPIC_*, WORKER_CONCURRENCY, PORT) plus REDIS_URL, BULLMQ_QUEUE.
 */
import { OPEN_VIEWER } from '../../src/access/viewer.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { createArticleService } from '../../src/articles/article.service.js';
import { createJobProcessor } from '../../src/articles/job-processor.js';
import { createOutboxCleaner } from '../../src/articles/outbox.relay.js';
import { loadConfig } from '../../src/config/config.js';
import { createDatabase } from '../../src/db/database.js';
import { MemoryEventBus } from '../../src/events/memory.event-bus.js';
import { createLogger } from '../../src/lib/logger.js';
import { createLlmRouter } from '../../src/llm/llm-router.js';
import { answerOffline } from '../../src/articles/step-catalog.js';
import type { JobMessage, WorkQueue } from '../../src/queue/work-queue.js';

const role = process.argv[2];
const config = loadConfig(process.env);
const log = createLogger(config.logLevel, { baseline: `bullmq-${role}` });
const redisUrl = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
const connection = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379), maxRetriesPerRequest: null };
const queueName = process.env.BULLMQ_QUEUE || 'distill-baseline';
const db = await createDatabase(config.database);
const bus = new MemoryEventBus();

if (role === 'api') {
  const queue = new Queue<JobMessage>(queueName, { connection });
  const rank = { HIGH: 1, NORMAL: 2, LOW: 3 } as const;
  const publisher = {
    kind: 'memory',
    start: async () => {},
    publish: async (m: JobMessage) => {
      await queue.add('article', m, {
        jobId: m.jobId,
        priority: rank[m.priority],
        attempts: 5,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: true,
      });
    },
    fetch: () => {
      throw new Error('the baseline API does not consume');
    },
    stats: async () => [],
    stop: async () => {},
  } as WorkQueue;
  const outbox = createOutboxCleaner({ db, log });
  const articles = createArticleService({
    outbox,
    db,
    queue: publisher,
    bus,
    log,
    maxContentChars: config.limits.maxContentChars,
    maxAttempts: 5,
    maxBatchItems: 1_000,
    idempotencyTtlMs: 86_400_000,
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          const [submitted] = await articles.submit([input], OPEN_VIEWER);
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ articleId: submitted!.article.id, jobId: submitted!.job.id }));
        } catch (err) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
        }
      })();
    });
  });
  server.listen(config.port, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    log.info({ url: `http://127.0.0.1:${port}` }, 'baseline api ready');
  });
} else if (role === 'worker') {
  const processor = createJobProcessor({
    db,
    bus,
    llm: createLlmRouter(config.llm, answerOffline),
    log,
    workerId: config.worker.id,
  });
  const worker = new Worker<JobMessage>(
    queueName,
    async (job) => {
      const begun = await processor.begin(job.data.jobId);
      if (begun.kind !== 'run') return;
      if (!(await processor.runSteps(begun.ctx, new AbortController().signal))) await processor.complete(begun.ctx);
    },
    { connection, concurrency: config.worker.concurrency },
  );
  await worker.waitUntilReady();
  log.info({ concurrency: config.worker.concurrency }, 'worker started');
} else {
  console.error('usage: bullmq-pipeline.ts api|worker');
  process.exit(2);
}
