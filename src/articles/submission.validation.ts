import { z } from 'zod';
import { InputValidationError, type FieldProblem } from '../lib/errors.js';
import { PRIORITIES, type Priority } from '../lib/vocabulary.js';

export interface SubmissionInput {
  title: string;
  content: string;
  sourceUrl: string;
  priority?: Priority | null;
}

export interface Submission {
  title: string;
  content: string;
  sourceUrl: string;
  priority: Priority;
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
  });
}

/**
 * Validates submissions; throws one InputValidationError naming every bad field.
 * With several items, each path starts with the item's index.
 */
export function validateSubmissions(inputs: SubmissionInput[], maxContentChars: number): Submission[] {
  const schema = submissionSchema(maxContentChars);
  const problems: FieldProblem[] = [];
  const out: Submission[] = [];
  inputs.forEach((input, index) => {
    const result = schema.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const path = issue.path.map(String);
        problems.push({ path: inputs.length > 1 ? [String(index), ...path] : path, message: issue.message });
      }
      return;
    }
    out.push({ ...result.data, priority: result.data.priority ?? 'NORMAL' });
  });
  if (problems.length > 0) throw new InputValidationError(problems);
  return out;
}
