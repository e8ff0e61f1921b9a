import pg from 'pg';
import { authHeaders, benchContent, startDistill } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { postJson } from '../lib/http.js';
import { round, summarize } from '../lib/stats.js';

const LIST = `query ($first: Int, $after: String, $filter: ArticleFilter) {
  articles(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id title status priority createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const JOBS = `query ($after: String, $filter: JobFilter) {
  jobs(first: 50, after: $after, filter: $filter) { edges { cursor node { id state errorKind queuedAt } } pageInfo { endCursor } }
}`;
const COUNT = `query ($filter: ArticleFilter) { articles(first: 0, filter: $filter) { totalCount } }`;
const SUBMIT_BATCH = `mutation ($input: [SubmitArticleInput!]!) {
  submitArticles(input: $input) { __typename ... on SubmitArticlesPayload { batch { id total } } }
}`;

type Answer = { data?: { articles: { edges: { cursor: string }[]; pageInfo: { endCursor: string | null } } }; errors?: unknown };

/**
 * Listing and batches at scale: 1,000,000 articles of the bench tenant seeded with one
 * generate_series statement (70 % COMPLETED, 20 % FAILED, 10 % PENDING; priorities round robin;
 * every 1,000th title in Korean) with one job each, then through the API process as deployed: a
 * page of 50 with a status filter (first pages, and pages deep in the list through their cursors),
 * with status and priority, a Korean search, a totalCount, pages of jobs (all, and FAILED by error
 * kind); and a batch of 1,000 submitted in one call.
 */
export async function benchListing(quick: boolean) {
  const rows = 1_000_000;
  const samples = quick ? 50 : 200;
  const environment = await createBenchEnvironment();
  const client = new pg.Client({ connectionString: environment.databaseUrl });
  await client.connect();
  const seedStarted = performance.now();
  // The search index is built once after the rows are in (faster than a million index inserts).
  await client.query(`drop index article_search_doc_idx`);
  await client.query(
    `insert into articles (tenant_id, title, content, source_url, content_hash, priority, status, event_seq, created_at)
     select 'bench',
            case when i % 1000 = 0 then '반도체 수출 ' || i else 'Story ' || i end,
            $1 || ' ' || i, 'https://bench.example/' || i, md5(i::text),
            (array['HIGH','NORMAL','LOW'])[1 + i % 3],
            case when i % 10 < 7 then 'COMPLETED' when i % 10 < 9 then 'FAILED' else 'PENDING' end,
            1, now() - (${rows} - i) * interval '1 second'
     from generate_series(1, ${rows}) as i`,
    [benchContent(0)],
  );
  await client.query(`insert into article_search (article_id, doc) select id, title || ' ' || left(content, 1000) from articles`);
  // One job per article, in the article's state.
  await client.query(
    `insert into jobs (id, article_id, state, priority, attempt, max_attempts, queued_at, error_kind)
     select gen_random_uuid(), id,
            case status when 'COMPLETED' then 'SUCCEEDED' when 'FAILED' then 'FAILED' else 'QUEUED' end,
            priority, 1, 5, created_at, case when status = 'FAILED' then 'timeout' end
     from articles`,
  );
  await client.query(`create index article_search_doc_idx on article_search using gin (doc gin_trgm_ops)`);
  await client.query('vacuum analyze articles, article_search, jobs');
  const seedSeconds = round((performance.now() - seedStarted) / 1000);
  await client.end();

  const distill = await startDistill(environment, { worker: false });
  const url = `${distill.apiUrl}/graphql`;
  const headers = authHeaders(distill.apiUrl);
  const timed = async (query: string, variables: Record<string, unknown>) => {
    const t = performance.now();
    const body = await postJson<Answer>(url, { query, variables }, headers);
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return { ms: performance.now() - t, body };
  };
  const measure = async (query: string, variables: () => Record<string, unknown>, n = samples) => {
    for (let i = 0; i < 50; i++) await timed(query, variables());
    const ms: number[] = [];
    for (let i = 0; i < n; i++) ms.push((await timed(query, variables())).ms);
    const s = summarize(ms);
    return { n, p50: round(s.p50, 2), p99: round(s.p99, 2) };
  };
  try {
    const completed = { status: 'COMPLETED' };
    const firstPage = await measure(LIST, () => ({ first: 50, filter: completed }));
    // Deep pages: cursors collected by walking 200 pages from the start.
    const cursors: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 200; i++) {
      const { body } = await timed(LIST, { first: 50, after, filter: completed });
      after = body.data!.articles.pageInfo.endCursor;
      cursors.push(after!);
    }
    let c = 0;
    const deepPages = await measure(LIST, () => ({ first: 50, after: cursors[c++ % cursors.length], filter: completed }));
    const statusAndPriority = await measure(LIST, () => ({ first: 50, filter: { status: 'FAILED', priority: 'LOW' } }));
    const koreanSearch = await measure(LIST, () => ({ first: 50, filter: { search: '반도체' } }), 20);
    const totalCount = await measure(COUNT, () => ({ filter: completed }), 10);
    const jobsPage = await measure(JOBS, () => ({}));
    const failedJobsPage = await measure(JOBS, () => ({ filter: { state: 'FAILED', errorKind: 'timeout' } }));

    const batchMs: number[] = [];
    for (let b = 0; b < (quick ? 5 : 20); b++) {
      const input = Array.from({ length: 1_000 }, (_, i) => ({
        title: `Batch ${b} story ${i}`,
        content: benchContent(i),
        sourceUrl: `https://bench.example/batch/${b}/${i}`,
      }));
      const t = performance.now();
      const body = await postJson<{ data?: { submitArticles: { __typename: string } } }>(
        url,
        { query: SUBMIT_BATCH, variables: { input } },
        headers,
      );
      if (body.data?.submitArticles.__typename !== 'SubmitArticlesPayload') throw new Error(JSON.stringify(body));
      batchMs.push(performance.now() - t);
    }
    const batch = summarize(batchMs);
    return {
      rows,
      seedSeconds,
      pageOf50: { firstPage, deepPages, statusAndPriority, koreanSearch, totalCount, jobsPage, failedJobsPage },
      batchOf1000: { n: batchMs.length, p50: round(batch.p50), max: round(batch.max) },
    };
  } finally {
    await distill.stop();
    await environment.cleanup();
  }
}
