import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { withDeadline } from '../lib/deadline.js';
import { LlmError, toLlmError } from './llm-error.js';
import { createSdkFetch } from './sdk-fetch.js';
import { observeQuota, type QuotaListener } from './quota-headers.js';
import type { Completion, CompletionRequest, LlmProvider } from './provider.js';

const SDK = { APIError, APIUserAbortError, APIConnectionTimeoutError, APIConnectionError };

/**
 * OpenAI chat completions. SDK retries are off: the job queue is the one retry mechanism.
 * `onQuota` hears the rate-limit headers of every response. */
export function createOpenAiProvider(options: { apiKey: string; baseURL?: string }, onQuota?: QuotaListener): LlmProvider {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: 3_600_000,
    fetch: createSdkFetch(observeQuota('openai', onQuota)),
  });
  return {
    name: 'openai',
    // Not async: a worker holds thousands of these calls open, and each suspended async frame
    // (with its promise, context and registers) costs memory while the call waits.
    complete(request: CompletionRequest): Promise<Completion> {
      const messages = [
        { role: 'system' as const, content: request.system },
        { role: 'user' as const, content: request.prompt },
      ];
      if (request.onDelta) return streamCompletion(client, request, messages);
      // The SDK's own timer is the deadline (our fetch reads the whole body inside it).
      return client.chat.completions
        .create(
          { model: request.model, messages, max_tokens: request.maxTokens },
          { signal: request.signal, timeout: request.timeoutMs },
        )
        .then(
          (response): Completion => ({
            text: response.choices[0]?.message.content ?? '',
            inputTokens: response.usage?.prompt_tokens ?? 0,
            outputTokens: response.usage?.completion_tokens ?? 0,
            model: response.model,
          }),
          (err: unknown) => {
            throw toLlmError(err, 'openai', SDK, request.signal);
          },
        );
    },
  };
}

/** A stream outlives the SDK's timer (it stops at the headers): withDeadline bounds the whole of it. */
function streamCompletion(
  client: OpenAI,
  request: CompletionRequest,
  messages: OpenAI.Chat.ChatCompletionMessageParam[],
): Promise<Completion> {
  return withDeadline(request.signal, request.timeoutMs, async (signal) => {
    try {
      return await readStream(client, { ...request, signal }, messages);
    } catch (err) {
      throw toLlmError(err, 'openai', SDK, signal);
    }
  });
}

async function readStream(
  client: OpenAI,
  request: CompletionRequest,
  messages: OpenAI.Chat.ChatCompletionMessageParam[],
): Promise<Completion> {
  const stream = await client.chat.completions.create(
    { model: request.model, messages, max_tokens: request.maxTokens, stream: true, stream_options: { include_usage: true } },
    { signal: request.signal, timeout: request.timeoutMs },
  );
  let text = '';
  let model = request.model;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    model = chunk.model || model;
    if (chunk.usage) usage = chunk.usage;
    const delta = chunk.choices[0]?.delta.content;
    if (delta) {
      text += delta;
      request.onDelta?.(delta);
    }
  }
  // The SDK ends an aborted stream quietly; the abort (and its reason) must still count.
  if (request.signal?.aborted) throw new APIUserAbortError();
  if (!usage) throw new LlmError('server', 'openai stream ended without usage', { provider: 'openai' });
  return { text, inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, model };
}
