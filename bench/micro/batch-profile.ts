/**
 * `submitArticles` with 1,000 articles against an API process run with `--cpu-prof` (empty tables):
 * the call's latency and where the API spends its time. `node --import tsx bench/micro/batch-profile.ts`
 */
import path from 'node:path';
import { printTopSelfTime, startProfiledApi } from '../lib/cpu-profile.js';
import { authHeaders, benchContent } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { postJson } from '../lib/http.js';
import { round, summarize } from '../lib/stats.js';

const SUBMIT_BATCH = `mutation ($input: [SubmitArticleInput!]!) {
  submitArticles(input: $input) { __typename ... on SubmitArticlesPayload { batch { id total } } }
}`;
const dir = path.resolve('bench/out/batch-profile');
const environment = await createBenchEnvironment();
const api = await startProfiledApi(environment, dir);
const { apiUrl } = api;
const ms: number[] = [];
try {
  for (let b = 0; b < 30; b++) {
    const input = Array.from({ length: 1_000 }, (_, i) => ({
      title: `Batch ${b} story ${i}`,
      content: benchContent(i),
      sourceUrl: `https://bench.example/batch/${b}/${i}`,
    }));
    // Apart, so each call finds the API idle (its previous batch's queue publishes done).
    if (process.argv.includes('--apart')) await new Promise((resolve) => setTimeout(resolve, 500));
    const t = performance.now();
    const body = await postJson<{ data?: { submitArticles: { __typename: string } } }>(
      `${apiUrl}/graphql`,
      { query: SUBMIT_BATCH, variables: { input } },
      authHeaders(apiUrl),
    );
    if (body.data?.submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(JSON.stringify(body));
    if (b >= 10) ms.push(performance.now() - t);
  }
  const s = summarize(ms);
  console.log({ batchOf1000: { n: s.n, p50: round(s.p50), max: round(s.max) } });
} finally {
  await api.stop();
  await environment.cleanup();
}
printTopSelfTime(dir);
