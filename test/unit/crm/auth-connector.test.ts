import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createAuthConnectorSource, writeWithConnector } from '../../../activities/crm/auth-connector.js';
import { AUTH_CONNECTOR } from '../../../contracts/bitrix24-app.js';
import type { PortalSettings } from '../../../contracts/portal.js';
import { recordingBitrix24 } from '../../support/recording-bitrix24.js';

const MEMBER = 'member-1';
const wrongLicense = () => ApplicationFailure.nonRetryable('This feature is not enabled for the current license: auth_connector', 'Bitrix24.WRONG_LICENSE');

/** A portal whose plan answers feature.get with `plan` (Y/N) and refuses any call carrying a connector without it. */
function portal(plan: { feature: 'Y' | 'N' }) {
  return recordingBitrix24((method, params) => {
    if (method === 'feature.get') return { value: plan.feature };
    if (params.auth_connector !== undefined && plan.feature === 'N') throw wrongLicense();
    return { item: { id: 7 } };
  });
}

const recorded = (settings: PortalSettings) => ({ settings: async () => settings });

describe('auth_connector only where the plan has rest_auth_connector', () => {
  it('follows what provisioning recorded, without asking the portal', async () => {
    const bitrix24 = portal({ feature: 'Y' });
    expect(await createAuthConnectorSource({ bitrix24, portals: recorded({ authConnector: true }) }).params(MEMBER)).toEqual({ auth_connector: AUTH_CONNECTOR });
    expect(await createAuthConnectorSource({ bitrix24, portals: recorded({ authConnector: false }) }).params(MEMBER)).toEqual({});
    expect(bitrix24.callsTo('feature.get')).toEqual([]);
  });

  it('asks feature.get once per portal when nothing is recorded, and again after an hour', async () => {
    const bitrix24 = portal({ feature: 'N' });
    let now = 0;
    const source = createAuthConnectorSource({ bitrix24, portals: recorded({}), nowMs: () => now });
    expect(await source.params(MEMBER)).toEqual({});
    expect(await source.params(MEMBER)).toEqual({});
    expect(bitrix24.callsTo('feature.get').map((call) => call.params)).toEqual([{ CODE: 'rest_auth_connector' }]);
    now += 60 * 60_000;
    await source.params(MEMBER);
    expect(bitrix24.callsTo('feature.get')).toHaveLength(2);
  });

  it('a write refused because the plan lost the feature goes through again without the connector', async () => {
    const bitrix24 = portal({ feature: 'N' });
    const source = createAuthConnectorSource({ bitrix24, portals: recorded({ authConnector: true }) });
    await writeWithConnector(bitrix24, source, MEMBER, 'crm.item.update', { entityTypeId: 2, id: 7, fields: { title: 'x' } });
    expect(bitrix24.callsTo('crm.item.update').map((call) => call.params.auth_connector)).toEqual([AUTH_CONNECTOR, undefined]);
    // Later writes go without it at once.
    await writeWithConnector(bitrix24, source, MEMBER, 'crm.item.update', { entityTypeId: 2, id: 7, fields: { title: 'y' } });
    expect(bitrix24.callsTo('crm.item.update').map((call) => call.params.auth_connector)).toEqual([AUTH_CONNECTOR, undefined, undefined]);
  });

  it('a WRONG_LICENSE the connector did not cause is not hidden by a second write', async () => {
    const bitrix24 = recordingBitrix24((method) => {
      if (method === 'feature.get') return { value: 'Y' };
      throw wrongLicense();
    });
    const source = createAuthConnectorSource({ bitrix24, portals: recorded({ authConnector: true }) });
    await expect(writeWithConnector(bitrix24, source, MEMBER, 'crm.item.add', { entityTypeId: 2, fields: {} })).rejects.toThrow(/license/);
    expect(bitrix24.callsTo('crm.item.add')).toHaveLength(1);
  });
});
