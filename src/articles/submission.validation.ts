import { z } from 'zod';
import { InputValidationError, type FieldProblem } from '../lib/errors.js';
import { PRIORITIES, type Priority } from '../lib/vocabulary.js';
import type { ArticleOptions } from './article.model.js';

/** The options given, without the unset ones; null when none is set (the defaults). */
function articleOptions(
  input: { summarySentences?: number | null; keywords?: number | null; language?: string | null } | null | undefined,
) {
  const options: ArticleOptions = {};
  if (input?.summarySentences != null) options.summarySentences = input.summarySentences;
  if (input?.keywords != null) options.keywords = input.keywords;
  if (input?.language != null) options.language = input.language;
  return Object.keys(options).length > 0 ? options : null;
}

export interface SubmissionInput {
  title: string;
  content: string;
  sourceUrl: string;
  priority?: Priority | null;
  /** False: call the models even when the content cache holds an answer. Default true. */
  cache?: boolean | null;
  options?: { summarySentences?: number | null; keywords?: number | null; language?: string | null } | null;
  /** A client's key: a repeat within the TTL returns the first result (single submissions only). */
  idempotencyKey?: string | null;
}

export interface Submission {
  title: string;
  content: string;
  sourceUrl: string;
  priority: Priority;
  cache: boolean;
  options: ArticleOptions | null;
}

// Built once per limit: zod compiles a schema on first use, which is too costly per request.
const schemas = new Map<number, ReturnType<typeof buildSchema>>();
function submissionSchema(maxContentChars: number) {
  let schema = schemas.get(maxContentChars);
  if (!schema) schemas.set(maxContentChars, (schema = buildSchema(maxContentChars)));
  return schema;
}

// PostgreSQL text holds neither U+0000 nor a lone UTF-16 surrogate (ill-formed Unicode); without
// these checks such input failed as an internal error.
const noNul = (s: string) => !s.includes('\u0000');
const NUL_MESSAGE = 'must not contain NUL characters';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);
const UNICODE_MESSAGE = 'must be well-formed Unicode (it holds a lone UTF-16 surrogate)';

function buildSchema(maxContentChars: number) {
  return z.object({
    title: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(500, 'must be at most 500 characters')
      .refine(noNul, NUL_MESSAGE)
      .refine(wellFormed, UNICODE_MESSAGE),
    content: z
      .string()
      .refine((s) => s.trim().length > 0, 'must not be empty')
      .refine(noNul, NUL_MESSAGE)
      .refine(wellFormed, UNICODE_MESSAGE)
      .refine((s) => s.length <= maxContentChars, `must be at most ${maxContentChars} characters`),
    sourceUrl: z
      .string()
      .trim()
      .max(2048, 'must be at most 2048 characters')
      .refine(noNul, NUL_MESSAGE)
      .refine(wellFormed, UNICODE_MESSAGE)
      .refine((s) => {
        try {
          const url = new URL(s);
          return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
        } catch {
          return false;
        }
      }, 'must be an http(s) URL'),
    priority: z.enum(PRIORITIES).nullish(),
    cache: z.boolean().nullish(),
    options: z
      .object({
        summarySentences: z.number().int().min(1, 'must be 1 to 10').max(10, 'must be 1 to 10').nullish(),
        keywords: z.number().int().min(1, 'must be 1 to 20').max(20, 'must be 1 to 20').nullish(),
        language: z
          .string()
          .trim()
          .regex(/^[\p{L}][\p{L} ()-]{1,39}$/u, 'must name a language in 2 to 40 letters, e.g. English, ko or pt-BR')
          .nullish(),
      })
      .nullish(),
    idempotencyKey: idempotencyKeySchema.nullish(),
  });
}

const idempotencyKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (e.g. a UUID)');

/** Checks a batch-level idempotency key; throws InputValidationError naming `idempotencyKey`. */
export function validateIdempotencyKey(key: string | null | undefined): string | undefined {
  if (key === null || key === undefined) return undefined;
  const result = idempotencyKeySchema.safeParse(key);
  if (!result.success)
    throw new InputValidationError(result.error.issues.map((i) => ({ path: ['idempotencyKey'], message: i.message })));
  return result.data;
}

/**
 * Validates submissions; throws one InputValidationError naming every bad field.
 * With several items, or as a `batch` (of at most `maxItems`), each path starts with the item's
 * index; a batch's items take no idempotency key of their own (the batch has one).
 */
export function validateSubmissions(
  inputs: SubmissionInput[],
  maxContentChars: number,
  batch?: { maxItems: number },
): Submission[] {
  if (batch && (inputs.length === 0 || inputs.length > batch.maxItems))
    throw new InputValidationError([
      { path: [], message: `a batch holds 1 to ${batch.maxItems} articles (got ${inputs.length})` },
    ]);
  const schema = submissionSchema(maxContentChars);
  const problems: FieldProblem[] = [];
  const out: Submission[] = [];
  const indexed = batch !== undefined || inputs.length > 1;
  inputs.forEach((input, index) => {
    const result = schema.safeParse(input);
    const issues = result.success ? [] : result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message }));
    if (batch && input.idempotencyKey != null)
      issues.push({
        path: ['idempotencyKey'],
        message: 'set idempotencyKey on submitArticles for the whole batch, not per item',
      });
    for (const issue of issues)
      problems.push({ path: indexed ? [String(index), ...issue.path] : issue.path, message: issue.message });
    if (!result.success || issues.length > 0) return;
    const { idempotencyKey: _key, ...fields } = result.data;
    out.push({
      ...fields,
      priority: fields.priority ?? 'NORMAL',
      cache: fields.cache ?? true,
      options: articleOptions(fields.options),
    });
  });
  if (problems.length > 0) throw new InputValidationError(problems);
  return out;
}
