import { z } from 'zod';
import type { PropertyDeclaration, RobotDeclaration } from '../../contracts/robot-declarations.js';

/**
 * Zod schemas built from the robot declarations, so the ingress accepts exactly the properties provisioning registered.
 * Bitrix24 externalizes `null` as `''` (core modules/bizproc/classes/general/restactivity.php; docs/bitrix24.md), so an empty value counts as absent.
 */

const BOOL_VALUES: Record<string, boolean> = { y: true, n: false, '1': true, '0': false, true: true, false: false };

const scalarText = z.union([z.string(), z.number(), z.boolean()], { error: 'must be a single value' }).transform(String);

function valueSchema(declaration: PropertyDeclaration): z.ZodType<unknown> {
  switch (declaration.type) {
    case 'int':
      return scalarText.pipe(
        z
          .string()
          .trim()
          .regex(/^-?\d{1,15}$/, 'must be an integer')
          .transform(Number),
      );
    case 'double':
      return scalarText.pipe(
        z
          .string()
          .trim()
          .regex(/^-?\d{1,15}(?:[.,]\d{1,15})?$/, 'must be a number')
          .transform((text) => Number(text.replace(',', '.'))),
      );
    case 'bool':
      return scalarText.transform((text, context) => {
        const value = BOOL_VALUES[text.trim().toLowerCase()];
        if (value === undefined) {
          context.addIssue({ code: 'custom', message: 'must be Y, N, 1, 0, true or false' });
          return z.NEVER;
        }
        return value;
      });
    case 'select': {
      const options = Object.keys(declaration.options ?? {});
      return scalarText.pipe(
        z.string().refine((value) => options.includes(value), `must be one of: ${options.join(', ')}`),
      );
    }
    case 'string':
    case 'text':
    case 'date':
    case 'datetime':
    case 'user':
      return scalarText.pipe(z.string().max(65_536, 'is too long'));
  }
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.every(isBlank));
}

/** qs turns `key[0]=a&key[1]=b` into an array, or into an object when indexes are sparse; a lone value is a list of one. */
function toList(value: unknown): unknown[] {
  const values =
    Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.values(value) : [value];
  return values.filter((item) => !isBlank(item));
}

/** One property: absent or blank → default or (if required) an error; multiple → always an array. */
export function propertySchema(declaration: PropertyDeclaration): z.ZodType<unknown> {
  const single = valueSchema(declaration);
  const present = declaration.multiple ? z.unknown().transform(toList).pipe(z.array(single)) : single;
  return z.unknown().transform((value, context) => {
    const effective = isBlank(value) ? declaration.default : value;
    if (isBlank(effective)) {
      if (declaration.required) context.addIssue({ code: 'custom', message: 'is required' });
      return declaration.multiple ? [] : undefined;
    }
    const result = present.safeParse(effective);
    if (result.success) return result.data;
    for (const issue of result.error.issues) context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });
}

const cachedSchemas = new WeakMap<RobotDeclaration, z.ZodType<Record<string, unknown>>>();

/**
 * The properties schema of a robot, built once per declaration: zod compiles a schema on its first parse, so
 * rebuilding it for every call would pay that cost on every request.
 */
export function robotPropertiesSchema(declaration: RobotDeclaration): z.ZodType<Record<string, unknown>> {
  let schema = cachedSchemas.get(declaration);
  if (!schema) {
    schema = buildRobotPropertiesSchema(declaration);
    cachedSchemas.set(declaration, schema);
  }
  return schema;
}

/** The properties object of a call with this declaration; undeclared keys are dropped, absent optional ones omitted. */
function buildRobotPropertiesSchema(declaration: RobotDeclaration): z.ZodType<Record<string, unknown>> {
  const schemas = Object.entries(declaration.properties).map(([key, property]) => [key, propertySchema(property)] as const);
  return z.record(z.string(), z.unknown()).transform((input, context) => {
    const output: Record<string, unknown> = {};
    for (const [key, schema] of schemas) {
      const result = schema.safeParse(Object.hasOwn(input, key) ? input[key] : undefined);
      if (!result.success) {
        for (const issue of result.error.issues) {
          context.addIssue({ code: 'custom', message: issue.message, path: [key, ...issue.path] });
        }
      } else if (result.data !== undefined) {
        output[key] = result.data;
      }
    }
    return output;
  });
}
