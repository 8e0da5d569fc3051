import type { z } from 'zod';
import { apiErrors, type ValidationIssue } from '../errors.js';

/** Runs a zod schema over a parsed body; any problem becomes a 400 that names the fields, never their values. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || body === '') throw apiErrors.badRequest('request body is empty');
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw apiErrors.validationFailed(toIssues(result.error.issues));
}

export function toIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ValidationIssue[] {
  return issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.'),
    message: issue.message,
  }));
}
