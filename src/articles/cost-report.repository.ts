import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { inTenant, type TenantScope } from './article.repository.js';

/** One slice of the ledger: a step, a model or a step's prompt version. */
export interface CostGroup {
  key: string;
  usd: number;
  tokens: number;
  calls: number;
  /** Calls answered from the content cache (cost 0). */
  cachedCalls: number;
  savedUsd: number;
  /** Over the calls actually made (cached answers take no model time). */
  avgLatencyMs: number | null;
  avgUsdPerCall: number | null;
}

export interface CostReport {
  days: number;
  totalUsd: number;
  totalTokens: number;
  calls: number;
  cachedCalls: number;
  savedUsd: number;
  /** Calls of models with no known price (their cost is not in totalUsd). */
  unpricedCalls: number;
  articles: number;
  dailyAverageUsd: number;
  avgPerArticleUsd: number;
  byStep: CostGroup[];
  byModel: CostGroup[];
  byPromptVersion: CostGroup[];
}

interface Row {
  step: string;
  model: string;
  prompt_version: string;
  usd: number;
  tokens: number;
  calls: number;
  cached_calls: number;
  saved: number;
  latency: number;
  unpriced: number;
  articles: number;
}

type Sums = Omit<Row, 'step' | 'model' | 'prompt_version' | 'articles'>;
const SUMMED = ['usd', 'tokens', 'calls', 'cached_calls', 'saved', 'latency', 'unpriced'] as const;

/** The cost ledger, summed: what `costReport(days)` answers. */
export function createCostReportRepository(db: Db) {
  return {
    async report(days: number, tenant: TenantScope): Promise<CostReport> {
      const scoped = tenant === null ? sql`` : sql`join articles on articles.id = c.article_id and ${inTenant(tenant)}`;
      const { rows } = await sql<Row>`
        with c as (
          select c.* from llm_calls c ${scoped}
          where c.created_at >= now() - make_interval(days => ${days}))
        select step, model, prompt_version,
               coalesce(sum(cost_usd), 0)::float8 as usd, sum(input_tokens + output_tokens)::int8 as tokens,
               count(*)::int as calls, (count(*) filter (where cached))::int as cached_calls,
               sum(saved_usd)::float8 as saved, (sum(latency_ms) filter (where not cached))::int8 as latency,
               (count(*) filter (where cost_usd is null))::int as unpriced,
               (select count(distinct article_id) from c)::int as articles
        from c group by step, model, prompt_version`.execute(db);

      const totals = sum(rows);
      const articles = rows[0]?.articles ?? 0;
      return {
        days,
        totalUsd: totals.usd,
        totalTokens: totals.tokens,
        calls: totals.calls,
        cachedCalls: totals.cached_calls,
        savedUsd: totals.saved,
        unpricedCalls: totals.unpriced,
        articles,
        dailyAverageUsd: totals.usd / days,
        avgPerArticleUsd: articles > 0 ? totals.usd / articles : 0,
        byStep: groups(rows, (r) => r.step),
        byModel: groups(rows, (r) => r.model),
        byPromptVersion: groups(rows, (r) => `${r.step}:${r.prompt_version}`),
      };
    },
  };
}

export type CostReportRepository = ReturnType<typeof createCostReportRepository>;

function sum(rows: Row[]): Sums {
  const out = Object.fromEntries(SUMMED.map((k) => [k, 0])) as Sums;
  for (const row of rows) for (const k of SUMMED) out[k] += Number(row[k] ?? 0);
  return out;
}

/** Groups by `keyOf`, most expensive first. */
function groups(rows: Row[], keyOf: (row: Row) => string): CostGroup[] {
  const byKey = new Map<string, Row[]>();
  for (const row of rows) byKey.set(keyOf(row), [...(byKey.get(keyOf(row)) ?? []), row]);
  return [...byKey.entries()]
    .map(([key, members]): CostGroup => {
      const s = sum(members);
      const made = s.calls - s.cached_calls;
      return {
        key,
        usd: s.usd,
        tokens: s.tokens,
        calls: s.calls,
        cachedCalls: s.cached_calls,
        savedUsd: s.saved,
        avgLatencyMs: made > 0 ? s.latency / made : null,
        avgUsdPerCall: made > 0 ? s.usd / made : null,
      };
    })
    .sort((a, b) => b.usd - a.usd || a.key.localeCompare(b.key));
}
