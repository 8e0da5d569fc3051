import { describe, expect, it } from 'vitest';
import { propertySchema, robotPropertiesSchema } from '../../../api/schemas/robot-properties.js';
import { GET_1C_PRICE, type PropertyDeclaration, type RobotDeclaration } from '../../../contracts/robot-declarations.js';

const name = { en: 'x' };

function parse(declaration: PropertyDeclaration, value: unknown) {
  const result = propertySchema(declaration).safeParse(value);
  return result.success ? { value: result.data } : { issues: result.error.issues.map((issue) => issue.message) };
}

describe('property declaration → zod', () => {
  it.each([
    ['int', '42', 42],
    ['int', ' -7 ', -7],
    ['int', 12, 12],
    ['double', '12.50', 12.5],
    ['double', '12,5', 12.5],
    ['bool', 'Y', true],
    ['bool', 'n', false],
    ['bool', '1', true],
    ['bool', '0', false],
    ['bool', 'true', true],
    ['bool', false, false],
    ['string', 'SKU-1', 'SKU-1'],
    ['text', 'line\nline', 'line\nline'],
    ['user', 'user_1', 'user_1'],
    ['date', '2026-01-31', '2026-01-31'],
  ] as const)('%s accepts %j as %j', (type, input, expected) => {
    expect(parse({ name, type }, input)).toEqual({ value: expected });
  });

  it.each([
    ['int', '4.2', 'must be an integer'],
    ['int', 'ten', 'must be an integer'],
    ['double', '1e5', 'must be a number'],
    ['bool', 'maybe', 'must be Y, N, 1, 0, true or false'],
    ['string', ['a', 'b'], 'must be a single value'],
    ['string', { nested: 'x' }, 'must be a single value'],
  ] as const)('%s rejects %j', (type, input, message) => {
    expect(parse({ name, type }, input)).toEqual({ issues: [message] });
  });

  it('select accepts only declared option keys', () => {
    const select: PropertyDeclaration = { name, type: 'select', options: { fast: 'Fast', slow: 'Slow' } };
    expect(parse(select, 'fast')).toEqual({ value: 'fast' });
    expect(parse(select, 'Fast')).toEqual({ issues: ['must be one of: fast, slow'] });
  });

  it('multiple turns lists, sparse qs objects and lone values into arrays, dropping blanks', () => {
    const multiple: PropertyDeclaration = { name, type: 'int', multiple: true };
    expect(parse(multiple, ['1', '', '2'])).toEqual({ value: [1, 2] });
    expect(parse(multiple, { 0: '1', 5: '3' })).toEqual({ value: [1, 3] });
    expect(parse(multiple, '4')).toEqual({ value: [4] });
    expect(parse(multiple, undefined)).toEqual({ value: [] });
    expect(parse(multiple, ['1', 'x'])).toEqual({ issues: ['must be an integer'] });
  });

  it('blank counts as absent: required fails, default applies, optional stays absent', () => {
    expect(parse({ name, type: 'string', required: true }, '')).toEqual({ issues: ['is required'] });
    expect(parse({ name, type: 'string', required: true }, undefined)).toEqual({ issues: ['is required'] });
    expect(parse({ name, type: 'bool', default: 'Y' }, '')).toEqual({ value: true });
    expect(parse({ name, type: 'int' }, '')).toEqual({ value: undefined });
  });

  it('a declaration keeps declared properties only and names failing ones by path', () => {
    const declaration: RobotDeclaration = {
      ...GET_1C_PRICE,
      properties: { ...GET_1C_PRICE.properties, quantity: { name, type: 'int' }, urgent: { name, type: 'bool', default: 'N' } },
    };
    const schema = robotPropertiesSchema(declaration);
    expect(schema.parse({ article: 'A-1', quantity: '3', injected: 'x' })).toEqual({ article: 'A-1', quantity: 3, urgent: false });
    const failure = schema.safeParse({ quantity: 'many' });
    expect(failure.success).toBe(false);
    expect(failure.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['article', 'is required'],
      ['quantity', 'must be an integer'],
    ]);
  });
});
