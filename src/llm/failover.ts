import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import type { ProviderName } from '../config/llm-route.js';
import { LlmError, type LlmErrorKind } from './llm-error.js';
import { maxPromptTokens } from './pricing.js';
import type { CallGate, Completion, CompletionRequest, LlmProvider } from './provider.js';

/** The most tokens a call may use: its prompt and all it may write. */
const callTokens = (request: Omit<CompletionRequest, 'model'>) =>
  maxPromptTokens(request.system + request.prompt) + request.maxTokens;

/** One model of a step's chain, on its provider. */
export interface Candidate {
  provider: LlmProvider;
  model: string;
}

/** A completion, and the model of the chain that gave it. */
export interface Answer {
  completion: Completion;
  provider: ProviderName;
  model: string;
}

/** Failures that say the provider (or this model on it) is unwell, not that the request is wrong. */
const PROVIDER_FAULTS: readonly LlmErrorKind[] = ['overloaded', 'server', 'timeout', 'network'];
const isProviderFault = (err: unknown) => err instanceof LlmError && PROVIDER_FAULTS.includes(err.kind);

export interface FailoverSettings {
  /** Consecutive provider faults that open a model's circuit. */
  failures: number;
  /** How long an open circuit turns calls away before one probe may try again. */
  halfOpenAfterMs: number;
}

/**
 * Calls a step's chain of models in order, each (in a chain of more than one) behind its own
 * circuit breaker (cockatiel): a provider fault moves the call to the next model at once, and a
 * model that keeps failing opens its circuit, so calls skip it until a probe succeeds. A request error (400, auth, invalid
 * output), a rate limit or an abort is the caller's to handle, as is a stream that already wrote
 * text (its deltas are out; the retry starts the text again).
 */
export function createFailover(settings: FailoverSettings, gate?: CallGate) {
  const breakers = new Map<string, CircuitBreakerPolicy>();
  const breakerOf = (c: Candidate) => {
    const key = `${c.provider.name}:${c.model}`;
    let breaker = breakers.get(key);
    if (!breaker) {
      breaker = circuitBreaker(handleWhen(isProviderFault), {
        halfOpenAfter: settings.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(settings.failures),
      });
      breakers.set(key, breaker);
    }
    return breaker;
  };

  return {
    /** Not async: see the providers (a suspended frame per held call costs memory). */
    complete(chain: readonly Candidate[], request: Omit<CompletionRequest, 'model'>): Promise<Answer> {
      const tryFrom = (i: number, lastError: unknown): Promise<Answer> => {
        const candidate = chain[i];
        if (!candidate) return Promise.reject(lastError as Error);
        let wrote = false;
        const onDelta = request.onDelta && ((text: string) => ((wrote = true), request.onDelta!(text)));
        const call = () => candidate.provider.complete({ ...request, onDelta, model: candidate.model });
        // A model with no fallback is called as it is: turning calls away would leave nowhere to go
        // (the queue's backoff spaces its retries).
        const guarded = chain.length > 1 ? () => breakerOf(candidate).execute(call) : call;
        // Under a shared rate limit the call waits for its turn.
        const admitted = gate?.admit(candidate.provider.name, candidate.model, callTokens(request), request.signal);
        return (admitted ? admitted.then(guarded) : guarded()).then(
          (completion): Answer => ({ completion, provider: candidate.provider.name, model: candidate.model }),
          (err: unknown) => {
            if (err instanceof BrokenCircuitError) {
              const name = `${candidate.provider.name}:${candidate.model}`;
              return tryFrom(
                i + 1,
                new LlmError('overloaded', `${name} keeps failing (circuit open)`, { provider: candidate.provider.name }),
              );
            }
            if (!isProviderFault(err) || wrote || request.signal?.aborted) throw err;
            return tryFrom(i + 1, err);
          },
        );
      };
      return tryFrom(0, undefined);
    },
  };
}

export type Failover = ReturnType<typeof createFailover>;
