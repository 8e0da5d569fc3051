import { describe, expect, it } from 'vitest';
import { buildDeclaration, provisioningWarnings, WARNING, type BizprocDeclaration } from '../../provisioning/index.js';
import { isPrivateHost } from '../../provisioning/warnings.js';

const declared = buildDeclaration({ publicUrl: 'https://app.example.com' }).bizproc[0];
if (!declared) throw new Error('no robot declarations');
const base: BizprocDeclaration = declared;

function robot(fields: Partial<BizprocDeclaration['fields']>, workflowType = base.workflowType): BizprocDeclaration {
  return { ...base, workflowType, fields: { ...base.fields, ...fields } };
}

const codes = (entry: BizprocDeclaration, context = {}) => provisioningWarnings([entry], context).map((warning) => warning.code);

describe('provisioningWarnings', () => {
  it('has nothing to say about the declared robots', () => {
    const declaration = buildDeclaration({ publicUrl: 'https://app.example.com' });
    const workflowTypes = declaration.bizproc.map((entry) => entry.workflowType);
    expect(provisioningWarnings(declaration.bizproc, { knownWorkflowTypes: workflowTypes, portalDomain: 'example.bitrix24.com' })).toEqual([]);
  });

  it('flags an empty USE_SUBSCRIPTION, which may mean "wait" (docs/bitrix24.md)', () => {
    expect(codes(robot({ USE_SUBSCRIPTION: '' }))).toEqual([WARNING.subscriptionUnset]);
  });

  it('flags a waiting robot without return properties, and return properties that cannot arrive', () => {
    expect(codes(robot({ RETURN_PROPERTIES: {} }))).toEqual([WARNING.waitsWithoutReturnProperties]);
    expect(codes(robot({ RETURN_PROPERTIES: {}, USE_SUBSCRIPTION: 'N' }))).toEqual([]);
    expect(codes(robot({ USE_SUBSCRIPTION: 'N' }))).toEqual([WARNING.returnsWithoutWaiting]);
  });

  it('flags a waiting robot no workflow answers', () => {
    expect(codes(robot({}, 'missingWorkflow'), { knownWorkflowTypes: [base.workflowType] })).toEqual([WARNING.noWorkflow]);
    expect(codes(robot({ USE_SUBSCRIPTION: 'N', RETURN_PROPERTIES: {} }, 'missingWorkflow'), { knownWorkflowTypes: [] })).toEqual([]);
  });

  it('flags a loopback handler for a cloud portal, not for a local one', () => {
    const local = robot({ HANDLER: 'http://127.0.0.1:3000/bitrix24/bizproc' });
    expect(codes(local, { portalDomain: 'example.bitrix24.com' })).toEqual([WARNING.unreachableHandler]);
    expect(codes(local, { portalDomain: '127.0.0.1:3001' })).toEqual([]);
    expect(codes(local)).toEqual([]);
    expect(['10.1.2.3', '172.20.0.1', '192.168.1.1', 'localhost', 'box.local', '::1'].every(isPrivateHost)).toBe(true);
    expect(['8.8.8.8', '172.32.0.1', 'example.com'].some(isPrivateHost)).toBe(false);
  });
});
