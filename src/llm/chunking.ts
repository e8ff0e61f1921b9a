/** The tokenizer's functions, loaded on first use: its tables cost 160 ms and 60 MB, and only long content needs them. */
type Tokenizer = Pick<typeof import('gpt-tokenizer'), 'countTokens' | 'isWithinTokenLimit' | 'encode' | 'decode'>;
let tokenizer: Promise<Tokenizer> | undefined;
const loadTokenizer = () => (tokenizer ??= import('gpt-tokenizer'));

/** Separator between chunks' parts, and its tokens counted generously. */
const JOIN = '\n\n';
const JOIN_TOKENS = 2;
const SENTENCE_END = /(?<=[.!?。！？])\s+/u;

/**
 * `text` split into chunks of at most `maxTokens` tokens (OpenAI's o200k tokenizer, close to
 * Anthropic's for prose), on paragraph boundaries, else sentence boundaries, else between tokens.
 * Undefined when the whole text fits: then no chunking is needed.
 */
export async function splitByTokens(text: string, maxTokens: number): Promise<string[] | undefined> {
  // A token is at least one UTF-8 byte: text of no more bytes than the limit fits without counting.
  if (Buffer.byteLength(text) <= maxTokens) return undefined;
  const t = await loadTokenizer();
  if (t.isWithinTokenLimit(text, maxTokens) !== false) return undefined;

  // Pieces of at most maxTokens each, with what joins them to the piece before (paragraph or sentence break).
  const pieces: Piece[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const trimmed = paragraph.trim();
    if (trimmed === '') continue;
    const tokens = t.countTokens(trimmed);
    if (tokens <= maxTokens) {
      pieces.push({ text: trimmed, tokens, join: JOIN });
      continue;
    }
    trimmed.split(SENTENCE_END).forEach((sentence, i) => {
      const join = i === 0 ? JOIN : ' ';
      const n = t.countTokens(sentence);
      if (n <= maxTokens) pieces.push({ text: sentence, tokens: n, join });
      else hardSplit(t, sentence, maxTokens).forEach((slice, k) => pieces.push({ ...slice, join: k === 0 ? join : '' }));
    });
  }

  const chunks: string[] = [];
  let current = '';
  let used = 0;
  for (const piece of pieces) {
    if (current !== '' && used + JOIN_TOKENS + piece.tokens > maxTokens) {
      chunks.push(current);
      current = '';
      used = 0;
    }
    current += current === '' ? piece.text : piece.join + piece.text;
    used += (used > 0 ? JOIN_TOKENS : 0) + piece.tokens;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

interface Piece {
  text: string;
  tokens: number;
  join: string;
}

/** A run of text with no sentence boundary, cut every `maxTokens` tokens. */
function hardSplit(t: Tokenizer, text: string, maxTokens: number): Omit<Piece, 'join'>[] {
  const tokens = t.encode(text);
  const out: Omit<Piece, 'join'>[] = [];
  for (let i = 0; i < tokens.length; i += maxTokens) {
    const slice = tokens.slice(i, i + maxTokens);
    out.push({ text: t.decode(slice), tokens: slice.length });
  }
  return out;
}
