import { describe, expect, it } from 'vitest';
import { toAdfDocument } from '../../../integrations/jira/adf.js';
import { dealLabel, isValidJiraLabel, jqlString } from '../../../integrations/jira/labels.js';

describe('dealLabel', () => {
  it('names the portal and the deal', () => {
    expect(dealLabel('d4f1a2b3c4', 42)).toBe('b24-deal-d4f1a2b3c4-42');
  });

  it('never produces a label Jira would refuse', () => {
    const label = dealLabel(' member id/with spaces ', 'DEAL 7');
    expect(label).toBe('b24-deal-member_id_with_spaces-DEAL_7');
    expect(isValidJiraLabel(label)).toBe(true);
  });

  it('refuses to build a label without a portal or a deal', () => {
    expect(() => dealLabel('', 1)).toThrow(TypeError);
    expect(() => dealLabel('abc', '  ')).toThrow(TypeError);
  });
});

describe('jqlString', () => {
  it('escapes quotes and backslashes', () => {
    expect(jqlString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});

describe('toAdfDocument', () => {
  it('turns lines into paragraphs and drops empty ones', () => {
    expect(toAdfDocument('one\r\n\ntwo')).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'one' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'two' }] },
      ],
    });
  });

  it('gives an empty document for an empty description', () => {
    expect(toAdfDocument('')).toEqual({ type: 'doc', version: 1, content: [] });
  });
});
