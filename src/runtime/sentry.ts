import * as Sentry from '@sentry/node';
import type { ErrorReporter } from '../lib/error-reporter.js';
import { redactSecrets } from '../lib/redact.js';
import { VERSION } from '../lib/version.js';

/**
 * Unexpected errors to Sentry (@sentry/node): errors only, no tracing and none of the SDK's
 * automatic instrumentation (it would wrap every HTTP call and query); each event tagged with what
 * it concerned (article id, job id, operation), its messages redacted as the logs are.
 */
export function startSentry(options: { dsn: string; environment: string }): ErrorReporter & { flush(): Promise<void> } {
  Sentry.initWithoutDefaultIntegrations({
    dsn: options.dsn,
    environment: options.environment,
    release: `distill@${VERSION}`,
    integrations: [Sentry.linkedErrorsIntegration(), Sentry.dedupeIntegration()],
    beforeSend(event) {
      for (const exception of event.exception?.values ?? [])
        if (exception.value) exception.value = redactSecrets(exception.value);
      return event;
    },
  });
  return {
    capture(err, context) {
      const tags = Object.fromEntries(
        Object.entries(context)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      );
      Sentry.captureException(err, { tags });
    },
    async flush() {
      await Sentry.flush(2_000);
    },
  };
}
