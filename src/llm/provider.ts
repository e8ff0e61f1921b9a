import type { ProviderName } from '../config/llm-route.js';
import type { QuotaReport } from './quota-headers.js';

export interface CompletionRequest {
  model: string;
  system: string;
  prompt: string;
  maxTokens: number;
  /** Aborts the HTTP call (cancel, shutdown). */
  signal?: AbortSignal;
  /** Deadline for the whole call, response body included; past it the call fails as a timeout. */
  timeoutMs: number;
  /** When given, the provider streams and reports text as it is written. */
  onDelta?: (text: string) => void;
}

export interface Completion {
  text: string;
  inputTokens: number;
  outputTokens: number;
  /** The model that answered, as the provider reports it. */
  model: string;
}

/**
 * Admits calls to a model: resolves when a rate limit shared by every worker lets the call go
 * (at once, or after waiting); undefined when no limit applies. `tokens`: the most the call may use.
 */
export interface CallGate {
  admit(provider: ProviderName, model: string, tokens: number, signal?: AbortSignal): Promise<void> | undefined;
  /** What a response of `provider` for `model` said of the quota left (its rate-limit headers). */
  observe?(provider: ProviderName, model: string, report: QuotaReport): void;
}

/** One LLM backend. Throws LlmError only. */
export interface LlmProvider {
  readonly name: ProviderName;
  complete(request: CompletionRequest): Promise<Completion>;
}
