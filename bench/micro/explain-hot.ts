/**
 * EXPLAIN (ANALYZE, BUFFERS) of the pipeline's hot statements as the processes run them, on tables
 * seeded with N finished articles: auto_explain is loaded into the deployment's connections, a few
 * articles go through, and the last plan of each statement is printed from PostgreSQL's log.
 * `node --import tsx bench/micro/explain-hot.ts [articles] [log file]` (default 1,000,000 and
 * Debian's /var/log/postgresql/postgresql-15-main.log; the server must log to that file).
 */
import { readFileSync, statSync } from 'node:fs';
import pg from 'pg';
import { startDistill, submitArticle } from '../lib/distill.js';
import { createBenchEnvironment } from '../lib/environment.js';
import { startMockLlmServer } from '../../src/devtools/mock-llm.server.js';
import { seedFinishedArticles } from '../scenarios/scale.js';

const articles = Number(process.argv[2] ?? 1_000_000);
const logFile = process.argv[3] ?? '/var/log/postgresql/postgresql-15-main.log';
// How each hot statement starts, as the repository writes it.
const HOT: Record<string, RegExp> = {
  submit: /with n as materialized/,
  start: /with l as \(\s*select articles\.id from articles join jobs/,
  'step result and completion': /with r as \(\s*select \* from jsonb_to_recordset/,
  'relay (outbox)': /from "outbox" where "created_at"/,
};

const mock = await startMockLlmServer();
mock.setLatency(0);
const environment = await createBenchEnvironment({
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: mock.openaiBaseUrl,
  ANTHROPIC_API_KEY: 'sk-ant-bench',
  ANTHROPIC_BASE_URL: mock.anthropicBaseUrl,
  // The relay's first pass comes soon, so its plan is logged too.
  OUTBOX_RELAY_INTERVAL_MS: '200',
});
const client = new pg.Client({ connectionString: environment.databaseUrl });
await client.connect();
const database = (await client.query<{ db: string }>('select current_database() as db')).rows[0]!.db;
try {
  if (articles > 0) await seedFinishedArticles(client, articles);
  for (const setting of [
    `session_preload_libraries = 'auto_explain'`,
    `auto_explain.log_min_duration = 0`,
    `auto_explain.log_analyze = on`,
    `auto_explain.log_buffers = on`,
    `auto_explain.log_format = json`,
  ])
    await client.query(`alter database ${database} set ${setting}`);
  const logStart = statSync(logFile).size;
  const distill = await startDistill(environment, { worker: true });
  try {
    for (let i = 0; i < 20; i++) await submitArticle(distill.apiUrl, i);
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from articles where status = 'COMPLETED' and source_url like 'https://bench.example/%'`,
      );
      if (rows[0]!.n >= 20) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await distill.stop();
  }
  // Log entries of this database: a line with the prefix, then its continuation lines.
  const entries = readFileSync(logFile, 'utf8')
    .slice(logStart)
    .split(/\n(?=\d{4}-\d\d-\d\d )/)
    .filter((e) => e.includes(`@${database} LOG:  duration:`));
  const plans = entries.map((e) => JSON.parse(e.slice(e.indexOf('{'))) as { 'Query Text': string; Plan: PlanNode });
  for (const [name, pattern] of Object.entries(HOT)) {
    const last = plans.filter((p) => pattern.test(p['Query Text'])).at(-1);
    console.log(`\n=== ${name} (${articles.toLocaleString('en')} seeded articles)`);
    if (!last) console.log('not logged');
    else printPlan(last.Plan);
  }
} finally {
  await client.end();
  await environment.cleanup();
  await mock.stop();
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'CTE Name'?: string;
  'Actual Total Time': number;
  'Actual Rows': number;
  'Actual Loops': number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  'Shared Dirtied Blocks': number;
  Plans?: PlanNode[];
}

/** One line per plan node: what it is, its time and its buffers (hit / read / dirtied). */
function printPlan(node: PlanNode, depth = 0) {
  const what = [
    node['Node Type'],
    node['Relation Name'],
    node['Index Name'] && `using ${node['Index Name']}`,
    node['CTE Name'] && `(${node['CTE Name']})`,
  ]
    .filter(Boolean)
    .join(' ');
  console.log(
    `${'  '.repeat(depth)}${what}: ${node['Actual Total Time'].toFixed(2)} ms, rows ${node['Actual Rows']}x${node['Actual Loops']}, ` +
      `buffers hit ${node['Shared Hit Blocks']} read ${node['Shared Read Blocks']} dirtied ${node['Shared Dirtied Blocks']}`,
  );
  for (const child of node.Plans ?? []) printPlan(child, depth + 1);
}
