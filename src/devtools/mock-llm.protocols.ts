import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export interface Answer {
  model: string;
  text: string;
  inputTokens: number;
  outputTokens: number;
  stream: boolean;
}

/** How a streamed answer is written: a pause before each piece, and optionally a cut connection. */
export interface Pacing {
  pieceMs: number;
  /** Destroy the connection after this many pieces (a stream that breaks mid-answer). */
  cutAfterPieces?: number;
}

/** Writes each piece with the pacing; false when the stream was cut (the caller writes nothing more). */
async function writePieces(res: ServerResponse, text: string, pacing: Pacing, write: (piece: string) => void): Promise<boolean> {
  let n = 0;
  for (const piece of pieces(text)) {
    if (pacing.cutAfterPieces !== undefined && n >= pacing.cutAfterPieces) {
      res.destroy();
      return false;
    }
    if (pacing.pieceMs > 0) await new Promise((resolve) => setTimeout(resolve, pacing.pieceMs));
    write(piece);
    n++;
  }
  return true;
}

/** Splits text into word-sized pieces, as models stream it. */
function pieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

/** An OpenAI chat completion, as JSON or as `chat.completion.chunk` server-sent events. */
export async function writeOpenAi(res: ServerResponse, answer: Answer, pacing: Pacing): Promise<void> {
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
  if (
    !(await writePieces(res, answer.text, pacing, (piece) =>
      chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]),
    ))
  )
    return;
  chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
  chunk([], { usage });
  res.end('data: [DONE]\n\n');
}

/** An Anthropic message, as JSON or as the messages streaming events. */
export async function writeAnthropic(res: ServerResponse, answer: Answer, pacing: Pacing): Promise<void> {
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
  const whole = await writePieces(res, answer.text, pacing, (piece) =>
    event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }),
  );
  if (!whole) return;
  event('content_block_stop', { index: 0 });
  event('message_delta', {
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: answer.outputTokens },
  });
  event('message_stop', {});
  res.end();
}
