import { describe, expect, it } from 'vitest';
import { entityDocumentKey, eventTarget, findEventRoute, type CrmEvent, type EventRoute } from '../../../lib/crm-events/event-routes.js';

function event(name: string, fields: Record<string, unknown>): CrmEvent {
  return { memberId: 'm1', domain: 'example.bitrix24.com', event: name, eventHandlerId: '1', data: { FIELDS: fields }, ts: 1 };
}

const route = (overrides: Partial<EventRoute>): EventRoute => ({
  event: 'ONCRMDYNAMICITEMADD',
  process: 'claim-intake',
  workflowType: 'claimWorkflow',
  signal: 'changed',
  startArgs: (target) => [target],
  signalArgs: (delivery) => [delivery.event],
  ...overrides,
});

describe('event routing', () => {
  it('reads the entity type from the suffix, from ENTITY_TYPE_ID, or from the event name', () => {
    expect(eventTarget(event('ONCRMDYNAMICITEMADD_147', { ID: '5' }))).toMatchObject({
      baseEvent: 'ONCRMDYNAMICITEMADD',
      target: { entityTypeId: 147, entityId: 5 },
    });
    expect(eventTarget(event('ONCRMDYNAMICITEMUPDATE', { ID: '6', ENTITY_TYPE_ID: '31' })).target).toMatchObject({ entityTypeId: 31, entityId: 6 });
    expect(eventTarget(event('ONCRMDEALUPDATE', { ID: '759' })).target).toMatchObject({ entityTypeId: 2, entityId: 759 });
  });

  it('has no target without a positive numeric id or a known type', () => {
    expect(eventTarget(event('ONCRMDEALUPDATE', { ID: 'x' })).target).toBeNull();
    expect(eventTarget(event('ONCRMDYNAMICITEMADD', { ID: '1' })).target).toBeNull();
    expect(eventTarget({ ...event('ONCRMDEALADD', {}), data: { FIELDS: 'oops' } }).target).toBeNull();
  });

  it('matches a route by base event name and entity type', () => {
    const claims = route({ entityTypeId: 147 });
    const invoices = route({ entityTypeId: 31, process: 'invoice-totals' });
    expect(findEventRoute([claims, invoices], event('ONCRMDYNAMICITEMADD_147', { ID: '5' }))?.route).toBe(claims);
    expect(findEventRoute([claims, invoices], event('ONCRMDYNAMICITEMADD', { ID: '5', ENTITY_TYPE_ID: '31' }))?.route).toBe(invoices);
    expect(findEventRoute([claims, invoices], event('ONCRMDYNAMICITEMADD_148', { ID: '5' }))).toBeNull();
    expect(findEventRoute([claims], event('ONCRMDYNAMICITEMUPDATE_147', { ID: '5' }))).toBeNull();
  });

  it('labels documents the way business processes do', () => {
    expect(entityDocumentKey({ entityTypeId: 2, entityId: 123 })).toBe('DEAL_123');
    expect(entityDocumentKey({ entityTypeId: 31, entityId: 3 })).toBe('SMART_INVOICE_3');
    expect(entityDocumentKey({ entityTypeId: 147, entityId: 1 })).toBe('DYNAMIC_147_1');
  });
});
