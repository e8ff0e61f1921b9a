import { DistillError } from '../lib/errors.js';
import type { ArticleEventType, ArticleStatus, JobState, StepState } from '../lib/vocabulary.js';

/**
 * The job state machine, declared once. Every transition's SQL guard, the article status that
 * follows a job, the event it logs and what happens to the steps not done derive from this table.
 */
export const TRANSITIONS = {
  /** A new job for a new article. */
  enqueue: { from: [], to: 'QUEUED', event: 'QUEUED', openSteps: 'PENDING' },
  /** A new job for an article whose latest job ended without success; `from` names that job's states. */
  retry: { from: ['FAILED', 'CANCELLED'], to: 'QUEUED', event: 'QUEUED', openSteps: 'PENDING' },
  /** A delivery begins an attempt; RUNNING again when the worker that held it was lost. */
  start: { from: ['QUEUED', 'RETRYING', 'RUNNING'], to: 'RUNNING', event: 'STARTED', openSteps: 'RUNNING' },
  retryLater: { from: ['RUNNING'], to: 'RETRYING', event: 'RETRYING', openSteps: 'PENDING' },
  complete: { from: ['RUNNING', 'RETRYING'], to: 'SUCCEEDED', event: 'COMPLETED', openSteps: 'DONE' },
  fail: { from: ['RUNNING', 'RETRYING'], to: 'FAILED', event: 'FAILED', openSteps: 'FAILED' },
  /** A call would pass a spent monthly budget: the job leaves the queue until there is room. */
  pause: { from: ['RUNNING'], to: 'PAUSED_BUDGET', event: 'PAUSED', openSteps: 'PENDING' },
  /** The budget has room again (raised, or a new month): the paused job is queued once more. */
  resume: { from: ['PAUSED_BUDGET'], to: 'QUEUED', event: 'QUEUED', openSteps: 'PENDING' },
  cancel: {
    from: ['QUEUED', 'RUNNING', 'RETRYING', 'PAUSED_BUDGET'],
    to: 'CANCELLED',
    event: 'CANCELLED',
    openSteps: 'CANCELLED',
  },
} as const satisfies Record<string, { from: readonly JobState[]; to: JobState; event: ArticleEventType; openSteps: StepState }>;

export type Transition = keyof typeof TRANSITIONS;

/** An article's status is its latest job's state, seen from outside. */
export const ARTICLE_STATUS_OF: Record<JobState, ArticleStatus> = {
  QUEUED: 'PENDING',
  RUNNING: 'PROCESSING',
  RETRYING: 'PENDING',
  PAUSED_BUDGET: 'PENDING',
  SUCCEEDED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
};

export const TERMINAL_STATES: readonly JobState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** Statuses of articles whose latest job is still open (its tenant's jobs in flight). */
export const OPEN_ARTICLE_STATUSES: readonly ArticleStatus[] = [
  ...new Set((Object.keys(ARTICLE_STATUS_OF) as JobState[]).filter((s) => !isTerminal(s)).map((s) => ARTICLE_STATUS_OF[s])),
];

/** The article statuses a transition applies from (its latest job in one of `from`). */
export function articleStatusesFor(transition: Transition): ArticleStatus[] {
  return [...new Set(TRANSITIONS[transition].from.map((state) => ARTICLE_STATUS_OF[state]))];
}

/** A transition asked of a job (or article) whose state does not allow it. */
export class InvalidTransitionError extends DistillError {
  constructor(
    readonly transition: Transition,
    readonly jobId: string,
    /** The state the job was found in; undefined when the job does not exist. */
    readonly state: JobState | undefined,
  ) {
    super(
      'INVALID_TRANSITION',
      `job ${jobId} cannot ${transition}: it is ${state ?? 'missing'} (allowed from ${TRANSITIONS[transition].from.join(', ')})`,
    );
  }
}
