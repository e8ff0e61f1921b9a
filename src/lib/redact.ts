/**
 * Secrets by their shape, wherever they appear in a text: provider keys (OpenAI `sk-…`, Anthropic
 * `sk-ant-…`), Distill keys (`dk_…`), bearer tokens, AWS access key ids, and `key=…`/`"token": …`
 * style assignments. What matches becomes `[redacted]`.
 */
const SECRET_SHAPES = [
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\bdk_[0-9a-f]{8}_[A-Za-z0-9_-]{8,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*/gi,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\b((?:api[_-]?key|x-api-key|access[_-]?token|secret|password|token)["']?\s*[:=]\s*["']?)[^\s"',;}]{6,}/gi,
];

export const REDACTED = '[redacted]';

export function redactSecrets(text: string): string {
  let out = text;
  for (const shape of SECRET_SHAPES)
    out = out.replace(shape, (match, assignment?: string) => (typeof assignment === 'string' ? assignment + REDACTED : REDACTED));
  return out;
}

/** Error text from outside (an LLM provider, a gateway) made safe to store, publish and log. */
export function sanitizeErrorText(text: string, maxChars = 500): string {
  const clean = redactSecrets(text);
  return clean.length <= maxChars ? clean : `${clean.slice(0, maxChars - 1)}…`;
}
