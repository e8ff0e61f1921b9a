import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export interface Answer {
  model: string;
  text: string;
  inputTokens: number;
  outputTokens: number;
  stream: boolean;
}

/** Splits text into word-sized pieces, as models stream it. */
function pieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

/** An OpenAI chat completion, as JSON or as `chat.completion.chunk` server-sent events. */
export function writeOpenAi(res: ServerResponse, answer: Answer): void {
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = {
    prompt_tokens: answer.inputTokens,
    completion_tokens: answer.outputTokens,
    total_tokens: answer.inputTokens + answer.outputTokens,
  };
  if (!answer.stream) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model: answer.model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer.text }, finish_reason: 'stop', logprobs: null }],
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (choices: unknown[], extra: object = {}) =>
    res.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: answer.model, choices, ...extra })}\n\n`,
    );
  chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  for (const piece of pieces(answer.text)) chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
  chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
  chunk([], { usage });
  res.end('data: [DONE]\n\n');
}

/** An Anthropic message, as JSON or as the messages streaming events. */
export function writeAnthropic(res: ServerResponse, answer: Answer): void {
  const id = `msg_${randomUUID().replace(/-/g, '')}`;
  const message = {
    id,
    type: 'message',
    role: 'assistant',
    model: answer.model,
    stop_reason: 'end_turn',
    stop_sequence: null,
    content: [{ type: 'text', text: answer.text }],
    usage: { input_tokens: answer.inputTokens, output_tokens: answer.outputTokens },
  };
  if (!answer.stream) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(message));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', {
    message: { ...message, content: [], stop_reason: null, usage: { input_tokens: answer.inputTokens, output_tokens: 1 } },
  });
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const piece of pieces(answer.text)) event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } });
  event('content_block_stop', { index: 0 });
  event('message_delta', {
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: answer.outputTokens },
  });
  event('message_stop', {});
  res.end();
}
