import type { z } from 'zod';
import { WritError } from './errors.js';

/** zod's issues as one line for people: `field.path: what is wrong; ...`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
}

/**
 * `value` checked against `schema` at the edge, where untrusted input becomes a trusted type;
 * REQUEST_INVALID (with every issue) when it does not fit.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new WritError('REQUEST_INVALID', describeIssues(parsed.error));
}
