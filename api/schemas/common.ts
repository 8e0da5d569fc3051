import { z } from 'zod';

/** Form bodies carry only strings; JSON bodies may carry numbers. Both become a non-negative integer. */
export const nonNegativeIntString = z
  .union([z.string().regex(/^\d{1,15}$/, 'must be a non-negative integer'), z.number().int().nonnegative()], {
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be a non-negative integer'),
  })
  .transform(Number);

const requiredString = () =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') });

export const nonEmptyString = (max = 1024) =>
  requiredString().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const documentTriple = z.tuple([nonEmptyString(256), nonEmptyString(256), nonEmptyString(256)], {
  error: 'must be an array of 3 strings',
});

export const looseRecord = z.record(z.string(), z.unknown(), { error: 'must be an object' });
