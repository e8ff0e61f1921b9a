/**
 * Submits a batch of articles, follows its progress live and pages through the results.
 *   DISTILL_URL=http://localhost:4000/graphql DISTILL_API_KEY=dk_… node --import tsx examples/client/batch.ts [count]
 */
import { randomUUID } from 'node:crypto';
import { distillClient } from './client.js';
import { BatchArticles, FollowBatch, SubmitBatch } from './operations.js';

const url = process.env.DISTILL_URL ?? 'http://localhost:4000/graphql';
const count = Number(process.argv[2] ?? 5);
const client = distillClient(url, process.env.DISTILL_API_KEY);

try {
  const input = Array.from({ length: count }, (_, i) => ({
    title: `Example story ${i + 1}`,
    content: `Story ${i + 1}. The company reported record profits this quarter. Analysts expect further gains.`,
    sourceUrl: `https://news.example.com/example/${i + 1}`,
  }));
  // The key makes a retried request (a timeout, a crash here) safe: the server answers the first batch.
  const { submitArticles } = await client.request(SubmitBatch, { input, idempotencyKey: randomUUID() });
  if (submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(`rejected: ${submitArticles.message}`);
  const { batch } = submitArticles;
  console.log(`batch ${batch.id}: ${batch.total} articles queued`);

  for await (const { batchProgress: p } of client.subscribe(FollowBatch, { id: batch.id })) {
    console.log(`progress: ${p.completed} completed, ${p.failed} failed of ${p.total}`);
    if (p.finished) break;
  }

  let after: string | null | undefined;
  let total = 0;
  do {
    const { articles } = await client.request(BatchArticles, { batchId: batch.id, after });
    for (const { node } of articles.edges) {
      total += node.costUsd;
      console.log(
        `#${node.id} ${node.status} ${node.sentiment ?? '-'} [${node.keywords.join(', ')}] ${node.summary ?? node.title}`,
      );
    }
    after = articles.pageInfo.hasNextPage ? articles.pageInfo.endCursor : undefined;
  } while (after);
  console.log(`done: cost $${total.toFixed(6)}`);
} finally {
  await client.close();
}
