import { describe, expect, it } from 'vitest';
import { permissionsFor } from '../../../api/placements/access.js';
import { escapeHtml } from '../../../api/placements/html.js';
import { derivePageTokenKey, issuePageToken, PageTokenError, readPageToken, type SealedPageClaims } from '../../../api/placements/page-token.js';
import { entityTypeOfPlacement, itemDocumentKey, itemIdOfPlacementOptions } from '../../../api/placements/placement-target.js';
import { isFailedRun, webUiRunUrl } from '../../../api/placements/runs-service.js';

const key = derivePageTokenKey(Buffer.alloc(32, 7).toString('base64'));
const USER_AUTH = 'user-access-token-5f1c9a2e7b';
const claims: SealedPageClaims = { memberId: 'member-1', userId: 3, entityTypeId: 147, itemId: 12, expiresAt: 2_000, userAuth: USER_AUTH };

describe('placement target', () => {
  it('takes the entity type from the placement code and the id from PLACEMENT_OPTIONS', () => {
    expect(entityTypeOfPlacement('CRM_DEAL_DETAIL_TAB')).toBe(2);
    expect(entityTypeOfPlacement('CRM_DYNAMIC_147_DETAIL_TAB')).toBe(147);
    expect(entityTypeOfPlacement('CRM_DYNAMIC_147_DETAIL_TOOLBAR')).toBeNull();
    expect(entityTypeOfPlacement('CRM_LEAD_DETAIL_TAB')).toBeNull();
    expect(itemIdOfPlacementOptions('{"ID":"8061","URI":"/crm/deal/details/8061/"}')).toBe(8061);
    expect(itemIdOfPlacementOptions('{"ID":8061}')).toBe(8061);
    for (const bad of ['', 'not json', '{"ID":"0"}', '{"ID":"12abc"}', '{"ID":"-1"}', 'null', '[1]']) {
      expect(itemIdOfPlacementOptions(bad)).toBeNull();
    }
    expect(itemDocumentKey({ entityTypeId: 2, itemId: 7 })).toBe('DEAL_7');
    expect(itemDocumentKey({ entityTypeId: 147, itemId: 3 })).toBe('DYNAMIC_147_3');
  });
});

describe('page token', () => {
  it('round-trips its claims until it expires', () => {
    const token = issuePageToken(key, claims);
    expect(readPageToken(key, token, 1_999)).toEqual(claims);
    expect(() => readPageToken(key, token, 2_000)).toThrow(expect.objectContaining({ problem: 'expired' }));
  });

  it('refuses any change to the sealed part, its nonce or version, and a token sealed with another key', () => {
    const token = issuePageToken(key, claims);
    const [version, iv, sealed] = token.split('.') as [string, string, string];
    const bytes = Buffer.from(sealed, 'base64url');
    const flip = (buffer: Buffer, at: number) => {
      const copy = Buffer.from(buffer);
      copy[at] = (copy[at] ?? 0) ^ 1;
      return copy.toString('base64url');
    };
    const forgeries = [
      `${version}.${iv}.${flip(bytes, 0)}`,
      `${version}.${iv}.${flip(bytes, bytes.length - 1)}`,
      `${version}.${flip(Buffer.from(iv, 'base64url'), 0)}.${sealed}`,
      `v1.${iv}.${sealed}`,
      `${version}.${iv}`,
      `${version}.${iv}.${Buffer.from(JSON.stringify({ m: 'member-1', u: 1, t: 147, i: 12, e: 2_000, x: 'y' })).toString('base64url')}`,
      '',
    ];
    for (const forged of forgeries) {
      expect(() => readPageToken(key, forged, 1_000)).toThrow(PageTokenError);
    }
    const otherKey = derivePageTokenKey(Buffer.alloc(32, 8).toString('base64'));
    expect(() => readPageToken(otherKey, token, 1_000)).toThrow(expect.objectContaining({ problem: 'invalid' }));
  });

  it("keeps the user's Bitrix24 token unreadable in the page", () => {
    const token = issuePageToken(key, claims);
    const visible = [token, ...token.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1'))].join(' ');
    expect(visible).not.toContain(USER_AUTH);
    expect(visible).not.toContain('member-1');
    // Two pages for the same claims do not even look alike.
    expect(issuePageToken(key, claims)).not.toBe(token);
  });
});

describe('access rules', () => {
  const people = { responsibleId: 4, headsOfResponsible: [2] };
  it.each([
    ['a reader', { userId: 3, admin: false }, { retry: false, terminate: false }],
    ['the responsible person', { userId: 4, admin: false }, { retry: true, terminate: false }],
    ['the head of their department', { userId: 2, admin: false }, { retry: true, terminate: false }],
    ['an admin', { userId: 1, admin: true }, { retry: false, terminate: true }],
  ])('%s', (_name, asker, expected) => {
    expect(permissionsFor(asker, people)).toEqual(expected);
  });

  it('gives nobody the responsible right on an item without a responsible person', () => {
    expect(permissionsFor({ userId: 4, admin: false }, { responsibleId: null, headsOfResponsible: [] }).retry).toBe(false);
  });
});

describe('rendering helpers', () => {
  it('escapes markup and quotes for element content and attributes', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')">&\``)).toBe('&#60;img src=x onerror=&#34;alert(&#39;1&#39;)&#34;&#62;&#38;&#96;');
  });

  it('links a run in the Web UI with encoded ids', () => {
    expect(webUiRunUrl('http://127.0.0.1:8233/', 'default', { workflowId: 'robot/GET_1C_PRICE/m/a|b', runId: 'r-1' })).toBe(
      'http://127.0.0.1:8233/namespaces/default/workflows/robot%2FGET_1C_PRICE%2Fm%2Fa%7Cb/r-1',
    );
  });

  it('counts a run as failed when Temporal says so or when it reported failed to Bitrix24', () => {
    expect(isFailedRun({ status: 'FAILED', outcome: null })).toBe(true);
    expect(isFailedRun({ status: 'TERMINATED', outcome: 'running' })).toBe(true);
    expect(isFailedRun({ status: 'COMPLETED', outcome: 'failed' })).toBe(true);
    expect(isFailedRun({ status: 'COMPLETED', outcome: 'completed' })).toBe(false);
    expect(isFailedRun({ status: 'RUNNING', outcome: 'failed' })).toBe(false);
  });
});
