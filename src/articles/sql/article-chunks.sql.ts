import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { StepName } from '../../lib/vocabulary.js';
import { settleReservationsCtes, type BookedCall } from './budget.sql.js';

/** A chunk summary with the ledger row of the call that wrote it. */
export type ChunkRow = BookedCall & {
  jobId: string;
  step: StepName;
  callIndex: number;
  attempt: number;
  text: string;
};

/** The chunk summaries an article has already paid for, by call index. */
export async function readChunks(db: Db, articleId: number): Promise<Map<number, string>> {
  const rows = await db.selectFrom('article_chunks').select(['call_index', 'text']).where('article_id', '=', articleId).execute();
  return new Map(rows.map((r) => [r.call_index, r.text]));
}

/**
 * Stores a chunk summary, its ledger row and its budget settlement in one statement, unless the
 * article has that chunk already (another delivery wrote it): then nothing is booked. Returns
 * whether this call was booked, and the chunk's text as stored.
 */
export async function storeChunk(db: Db, chunk: ChunkRow): Promise<{ booked: boolean; text: string }> {
  const reservation = chunk.reservation;
  const { rows } = await sql<{ booked: boolean; text: string | null }>`
    with i as (
      insert into article_chunks (article_id, call_index, text)
      values (${chunk.articleId}, ${chunk.callIndex}, ${chunk.text})
      on conflict do nothing
      returning article_id),
    c as (
      insert into llm_calls (article_id, job_id, step, call_index, provider, model, prompt_version, input_tokens, output_tokens, cost_usd, latency_ms, attempt)
      select article_id, ${chunk.jobId}, ${chunk.step}, ${chunk.callIndex}, ${chunk.provider}, ${chunk.model}, ${chunk.promptVersion},
             ${chunk.inputTokens}, ${chunk.outputTokens}, ${chunk.costUsd}, ${chunk.latencyMs}, ${chunk.attempt}
      from i)
    ${reservation ? sql`, ${settleReservationsCtes(sql`select ${reservation.id}::bigint as reservation_id, ${reservation.scopes}::text[] as scopes, ${chunk.costUsd}::numeric as cost_usd from i`)}` : sql``}
    select exists (select 1 from i) as booked,
           (select text from article_chunks where article_id = ${chunk.articleId} and call_index = ${chunk.callIndex}) as text`.execute(
    db,
  );
  const row = rows[0]!;
  // A chunk another statement committed after this one began is not in its snapshot: this text serves as well.
  return { booked: row.booked, text: row.booked ? chunk.text : (row.text ?? chunk.text) };
}
