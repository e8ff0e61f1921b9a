import type { Logger } from '../lib/logger.js';
import type { Article, Job } from './article.model.js';
import { publishEvents, type LoggedEvent } from './event-publish.js';
import { InvalidTransitionError } from './job-states.js';
import { createJobRepository, type JobRepository } from './job.repository.js';
import { pendingSteps } from './step-catalog.js';
import { createStepRunner, type JobContext, type StepRunnerDeps } from './step-runner.js';

export type { JobContext } from './step-runner.js';

export type BeginResult =
  | { kind: 'run'; ctx: JobContext }
  /** Nothing to do: the job finished, was cancelled, or its article is gone. Settle the message. */
  | { kind: 'settled'; reason: string }
  /** Every attempt is used up (the worker died on each): record it as FAILED. */
  | { kind: 'exhausted'; ctx: JobContext };

export interface ProcessorDeps extends StepRunnerDeps {
  log: Logger;
}

/**
 * The domain side of running one job: its steps (step-runner.ts) and its transitions, through the
 * job repository. Queue semantics (ack, nak, leases) belong to the caller. Events are published
 * after the statement that logged them.
 */
export function createJobProcessor(deps: ProcessorDeps) {
  const { bus } = deps;
  const jobs: JobRepository = createJobRepository(deps.db, { workerId: deps.workerId });
  const runStep = createStepRunner(deps, jobs);

  function context(job: Job, article: Article): JobContext {
    return { job, article, log: deps.log.child({ jobId: job.id, articleId: article.id, attempt: job.attempt }) };
  }

  /** `start`s the job (attempt + 1), unless it needs no work. */
  async function begin(jobId: string): Promise<BeginResult> {
    try {
      const outcome = await jobs.start(jobId);
      if (outcome.kind === 'exhausted') return { kind: 'exhausted', ctx: context(outcome.job, outcome.article) };
      publishEvents(bus, [outcome.event]);
      return { kind: 'run', ctx: context(outcome.job, outcome.article) };
    } catch (err) {
      if (err instanceof InvalidTransitionError)
        return { kind: 'settled', reason: err.state ? `job already ${err.state}` : 'job not found' };
      throw err;
    }
  }

  /**
   * Runs every step whose result is not stored yet, concurrently. Waits for all of them, then throws
   * the first failure (steps that succeeded stay committed: the retry resumes from there).
   * Resolves true when the last step's statement completed the job; otherwise `complete` must.
   */
  async function runSteps(ctx: JobContext, signal: AbortSignal): Promise<boolean> {
    const results = await Promise.allSettled(pendingSteps(ctx.article).map((step) => runStep(ctx, step.name, signal)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    return results.some((r) => r.status === 'fulfilled' && r.value);
  }

  /**
   * Publishes a settling transition's event; false when the job had moved on meanwhile (cancelled,
   * or settled by another delivery): a race, not a failure.
   */
  async function settle(write: () => Promise<{ event: LoggedEvent }>): Promise<boolean> {
    try {
      publishEvents(bus, [(await write()).event]);
      return true;
    } catch (err) {
      if (err instanceof InvalidTransitionError) return false;
      throw err;
    }
  }

  return {
    begin,
    runSteps,
    /** Job SUCCEEDED, article COMPLETED; false if the job was cancelled or settled meanwhile. */
    complete: (ctx: JobContext) => settle(() => jobs.complete(ctx.job.id)),
    /** Job and article FAILED with a readable error; false if the job was settled meanwhile. */
    fail: (ctx: JobContext, error: string, errorKind: string) => settle(() => jobs.fail(ctx.job.id, error, errorKind)),
    /** Job RETRYING with the error; a rate-limited attempt is given back (it did no work). */
    retryLater: (ctx: JobContext, error: string, errorKind: string, refundAttempt: boolean) =>
      settle(() => jobs.retryLater(ctx.job.id, error, errorKind, refundAttempt)),
    /** Job PAUSED_BUDGET until its budget has room; the attempt is given back. */
    pause: (ctx: JobContext, error: string) => settle(() => jobs.pause(ctx.job.id, error)),
  };
}

export type JobProcessor = ReturnType<typeof createJobProcessor>;
