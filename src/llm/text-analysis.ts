/**
 * Offline text heuristics: extractive summary, frequency keywords, lexicon sentiment.
 * They back the `local` provider (zero-setup mode) and the mock LLM server's answers.
 * Unicode-aware, so Korean text yields Korean keywords.
 */

const STOPWORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both but by
  can could did do does doing down during each few for from further had has have having he her here hers herself him himself his
  how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves
  out over own same she should so some such than that the their theirs them themselves then there these they this those through
  to too under until up very was we were what when where which while who whom why will with would you your yours yourself
  yourselves said says new one two also its it's into than been would could may might must shall across every`.split(/\s+/),
);

const POSITIVE = new Set(
  `good great excellent positive success successful win wins won gain gains growth grow improve improved improvement strong record
  best better benefit happy love breakthrough profit profits rise rises rising surge boost optimistic praise welcome celebrate`.split(
    /\s+/,
  ),
);
const NEGATIVE = new Set(
  `bad poor negative fail failed failure loss losses lose lost decline declines drop drops fall falls crisis weak worst worse risk
  crash fraud scandal lawsuit death deaths killed war attack threat fear concern concerns angry sad layoffs cut cuts warning`.split(
    /\s+/,
  ),
);

/** Words in reading order, lower-cased. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [];
}

/** Rough token count (about four characters a token), for the offline provider and the mock's usage. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function isContentWord(word: string): boolean {
  // Latin words need 3+ letters to carry meaning; Hangul/CJK words carry it in 2.
  const minLength = /[\p{Script=Hangul}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(word) ? 2 : 3;
  return word.length >= minLength && !STOPWORDS.has(word) && !/^\p{N}+$/u.test(word);
}

function frequencies(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of words(text)) if (isContentWord(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

/** The most representative sentences, in their original order. */
export function summarize(text: string, maxSentences = 3): string {
  const sentences = text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?。！？])\s+/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (sentences.length <= maxSentences) return sentences.join(' ');
  const freq = frequencies(text);
  const scored = sentences.map((sentence, index) => {
    const ws = words(sentence).filter(isContentWord);
    const score = ws.reduce((sum, w) => sum + (freq.get(w) ?? 0), 0) / Math.max(3, ws.length);
    return { sentence, index, score };
  });
  return scored
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, maxSentences)
    .sort((a, b) => a.index - b.index)
    .map((s) => s.sentence)
    .join(' ');
}

/** The most frequent content words, most frequent first; ties go to the word that appears first (the lede). */
export function keywords(text: string, max = 8): string[] {
  // Map iteration order is first appearance, and sort is stable.
  return [...frequencies(text).entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, max)
    .map(([word]) => word);
}

/** POSITIVE, NEGATIVE or NEUTRAL by counting lexicon words. */
export function sentiment(text: string): 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL' {
  let score = 0;
  for (const word of words(text)) {
    if (POSITIVE.has(word)) score++;
    else if (NEGATIVE.has(word)) score--;
  }
  return score > 0 ? 'POSITIVE' : score < 0 ? 'NEGATIVE' : 'NEUTRAL';
}
