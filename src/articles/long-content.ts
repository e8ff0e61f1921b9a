import type { Db } from '../db/database.js';
import { splitByTokens } from '../llm/chunking.js';
import { LlmError } from '../llm/llm-error.js';
import type { LlmRouter } from '../llm/llm-router.js';
import { stepCall, type JobContext, type PaidCalls } from './paid-call.js';
import { readChunks, storeChunk } from './sql/article-chunks.sql.js';
import { buildChunkPrompt, MAX_ANSWER_TOKENS } from './step-catalog.js';

/** Levels of summaries of summaries before giving up: each level shrinks the text several times over. */
const MAX_LEVELS = 6;

/**
 * The text a job's steps read: the article's content, or, when it is longer than the summary
 * route takes in one call (`LLM_CHUNK_TOKENS`, a model's context), the summaries of its chunks
 * (map), joined — summarized again while still too long. Every chunk call is booked with its
 * `call_index` (1, 2, … across levels; a step's own call is 0) and its summary kept in
 * `article_chunks`, so a redelivered or retried job never pays for a finished chunk twice.
 * Asked once per job: every step shares the answer.
 */
export function createContentSource(deps: { db: Db; llm: LlmRouter; paid: PaidCalls }) {
  const { db, llm, paid } = deps;

  async function digest(ctx: JobContext, signal: AbortSignal): Promise<string> {
    const { article } = ctx;
    const chain = llm.chain('SUMMARY', article.content.length);
    const limit = llm.chunkTokens(chain, MAX_ANSWER_TOKENS);
    let chunks = limit === undefined ? undefined : await splitByTokens(article.content, limit);
    if (!chunks) return article.content;
    const done = await readChunks(db, article.id);
    ctx.log.info({ chunks: chunks.length, checkpoints: done.size, limit }, 'long content: summarizing in chunks');
    let first = 1;
    let text = article.content;
    for (let level = 1; chunks; level++) {
      if (level > MAX_LEVELS)
        throw new LlmError('context_length', `content still over ${limit} tokens after ${MAX_LEVELS} levels of chunk summaries`, {
          provider: chain[0]!.provider.name,
        });
      const parts = chunks.length;
      const base = first;
      const summaries = await Promise.all(
        chunks.map((chunk, i) => done.get(base + i) ?? summarizeChunk(ctx, base + i, chunk, i + 1, parts, signal)),
      );
      first += parts;
      text = summaries.join('\n\n');
      chunks = await splitByTokens(text, limit!);
    }
    return text;
  }

  async function summarizeChunk(
    ctx: JobContext,
    callIndex: number,
    chunk: string,
    part: number,
    parts: number,
    signal: AbortSignal,
  ): Promise<string> {
    const call = stepCall(
      'SUMMARY',
      llm.chain('SUMMARY', chunk.length),
      buildChunkPrompt(ctx.article.title, chunk, part, parts),
      false,
    );
    const answer = await paid.pay(ctx, call, { signal, timeoutMs: llm.timeoutMs(chunk.length) });
    const { completion } = answer;
    const text = completion.text.trim();
    if (!text) {
      paid.settled(ctx, answer, false);
      throw new LlmError('invalid_output', `${call.providerName} returned no summary of chunk ${callIndex}`, {
        provider: call.providerName,
      });
    }
    const booked = {
      step: call.step,
      provider: call.providerName,
      model: completion.model,
      inputTokens: completion.inputTokens,
      outputTokens: completion.outputTokens,
      costUsd: paid.costOf(ctx, call, completion),
      latencyMs: Math.round(performance.now() - call.started),
    };
    const stored = await storeChunk(db, {
      ...booked,
      articleId: ctx.article.id,
      jobId: ctx.job.id,
      callIndex,
      promptVersion: call.prompt.version,
      attempt: ctx.job.attempt,
      text,
      reservation: answer.reservation,
    });
    paid.settled(ctx, answer, stored.booked);
    if (stored.booked) paid.counted({ ...booked, cached: false, savedUsd: 0 });
    ctx.log.info({ callIndex, booked: stored.booked }, 'chunk summarized');
    return stored.text;
  }

  return {
    /** The text the job's steps read (see above); computed once per job. */
    textOf(ctx: JobContext, signal: AbortSignal): Promise<string> {
      return (ctx.source ??= digest(ctx, signal));
    },
  };
}

export type ContentSource = ReturnType<typeof createContentSource>;
