/** Base of every error Distill throws on purpose; `code` is stable and machine-readable. */
export class DistillError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad configuration at start-up: every problem, each naming its variable. */
export class ConfigError extends DistillError {
  constructor(readonly problems: string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface FieldProblem {
  path: string[];
  message: string;
}

/** Input a user can fix; carries one entry per offending field. */
export class InputValidationError extends DistillError {
  constructor(readonly fieldErrors: FieldProblem[]) {
    super('INPUT_INVALID', `Invalid input: ${fieldErrors.map((f) => `${f.path.join('.')}: ${f.message}`).join('; ')}`);
  }
}

/** The abort reason when a job is cancelled while it runs. */
export class CancelledError extends DistillError {
  constructor(message = 'cancelled by request') {
    super('CANCELLED', message);
  }
}

export class NotFoundError extends DistillError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** The operation does not apply to the entity in its current state (e.g. retrying a completed article). */
export class InvalidStateError extends DistillError {
  constructor(message: string) {
    super('INVALID_STATE', message);
  }
}

/** Over a limit (request rate, daily articles, jobs in flight); try again after `retryAfterSeconds`. */
export class RateLimitedError extends DistillError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', message);
  }
}

/** A call would take a monthly budget past its limit: the job pauses until there is room. */
export class BudgetExhaustedError extends DistillError {
  constructor(readonly scope: string) {
    super('BUDGET_EXHAUSTED', scope === '*' ? 'the monthly budget is spent' : `the monthly budget of tenant ${scope} is spent`);
  }
}
