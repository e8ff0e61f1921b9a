import type { Sentiment } from '../lib/vocabulary.js';

/**
 * The envelope of a task prompt and defensive parsers for what models send back. The tasks
 * themselves (instructions, token limits, versions) are the step catalog's (articles/step-catalog.ts).
 */

/** The user prompt for an article: title and text in tags the offline answerers can find again. */
export function articlePrompt(title: string, content: string): string {
  return `<title>${title}</title>\n<article>\n${content}\n</article>`;
}

/** The task a system prompt names first (`Task: summary.` → `summary`), if any. */
export function taskOf(system: string): string | undefined {
  return /^Task: ([a-z_]+)\./.exec(system)?.[1];
}

/** The article text inside a prompt built by articlePrompt (or the whole prompt). */
export function extractArticle(prompt: string): string {
  const match = /<article>\n?([\s\S]*?)\n?<\/article>/.exec(prompt);
  return match ? match[1]! : prompt;
}

/** Keywords from a JSON array, or from a comma/newline list; trimmed, de-duplicated, at most `max`. */
export function parseKeywords(text: string, max = 10): string[] {
  let items: unknown[] | undefined;
  const json = /\[[\s\S]*\]/.exec(text);
  if (json) {
    try {
      const value: unknown = JSON.parse(json[0]);
      if (Array.isArray(value)) items = value;
    } catch {
      // not JSON: fall back to a list
    }
  }
  items ??= text.split(/[,\n;]/);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') continue;
    const keyword = item
      .replace(/^[\s\-*\d.)"'`]+|[\s"'`.]+$/g, '')
      .trim()
      .toLowerCase();
    if (keyword.length === 0 || keyword.length > 60 || seen.has(keyword)) continue;
    seen.add(keyword);
    out.push(keyword);
  }
  return out.slice(0, max);
}

/** The first sentiment label in the answer; undefined if there is none. */
export function parseSentiment(text: string): Sentiment | undefined {
  const match = /\b(positive|negative|neutral)\b/i.exec(text);
  return match ? (match[1]!.toUpperCase() as Sentiment) : undefined;
}
