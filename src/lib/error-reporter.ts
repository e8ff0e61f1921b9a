/** Where unexpected errors go besides the log (Sentry, when SENTRY_DSN is set). */
export interface ErrorReporter {
  /** An error nobody expected, with what it concerned (article, job, operation…); never secrets. */
  capture(err: unknown, context: Record<string, string | number | undefined>): void;
}

export const NO_ERROR_REPORTER: ErrorReporter = { capture: () => {} };
