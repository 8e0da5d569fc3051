import { ApplicationFailureCategory } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { BITRIX24_FAILURES } from '../../../contracts/failures/bitrix24.js';
import { CONFIG_FAILURES } from '../../../contracts/failures/config.js';
import { defineFailures } from '../../../contracts/failures/define.js';
import { ERP_FAILURES } from '../../../contracts/failures/erp.js';
import { FINANCE_FAILURES } from '../../../contracts/failures/finance.js';
import { JIRA_FAILURES } from '../../../contracts/failures/jira.js';
import { ONEC_FAILURES } from '../../../contracts/failures/onec.js';
import { ERP_ORDER_FAILURES } from '../../../contracts/erp-order.js';
import { OFFLINE_DRAIN_FAILURES } from '../../../contracts/offline-drain.js';

/**
 * Running workflows and stored histories hold these strings, and workflows branch on them: a renamed type would strand
 * them. Written out here, independently of the catalogues, so a rename fails this test.
 */
const STABLE_TYPES = {
  erp: ['Erp.Validation', 'Erp.Rejected', 'Erp.Unavailable', 'Erp.ServerError', 'Erp.Timeout'],
  finance: ['Finance.CompanyNotFound', 'Finance.Unavailable', 'Finance.ServerError', 'Finance.Unauthorized', 'Finance.BadResponse', 'Finance.NotConfigured'],
  jira: ['Jira.Validation', 'Jira.Unauthorized', 'Jira.NotFound', 'Jira.RateLimited', 'Jira.ServerError', 'Jira.Unavailable', 'Jira.BadResponse', 'Jira.NotConfigured'],
  onec: ['OneC.Unavailable', 'OneC.ServerError', 'OneC.BadResponse'],
  config: ['Config.MissingTemporalClient', 'Config.MissingPortalStore', 'Config.MissingOAuthClient', 'Config.CrmProcessNotConfigured'],
  offlineDrain: ['OfflineDrain.NotAdministrator', 'OfflineDrain.NotApplicationAuth', 'OfflineDrain.LicenseRequired', 'OfflineDrain.UnexpectedAnswer'],
  erpOrder: ['ErpOrder.DealNotFound', 'ErpOrder.DealUnreadable'],
};

describe('failure catalogues', () => {
  it('keep every failure type string as running workflows and histories know it', () => {
    expect({
      erp: ERP_FAILURES.types,
      finance: FINANCE_FAILURES.types,
      jira: JIRA_FAILURES.types,
      onec: ONEC_FAILURES.types,
      config: CONFIG_FAILURES.types,
      offlineDrain: OFFLINE_DRAIN_FAILURES.types,
      erpOrder: ERP_ORDER_FAILURES.types,
    }).toEqual(STABLE_TYPES);
    expect(BITRIX24_FAILURES.types).toEqual(
      expect.arrayContaining(['Bitrix24.invalid_grant', 'Bitrix24.QUERY_LIMIT_EXCEEDED', 'Bitrix24.TIMEOUT', 'Bitrix24.SERVER_ERROR', 'Bitrix24.UnexpectedAnswer']),
    );
  });

  it('split each catalogue into the types Temporal may retry and the ones it must not', () => {
    expect(ERP_FAILURES.retryableTypes).toEqual(['Erp.Unavailable', 'Erp.ServerError', 'Erp.Timeout']);
    expect(ONEC_FAILURES.nonRetryableTypes).toEqual(['OneC.BadResponse']);
    expect(ERP_FAILURES.policyOf('Erp.Timeout')).toEqual({ retryable: true, benign: true });
    expect(ERP_FAILURES.policyOf('Jira.Timeout')).toBeUndefined();
    expect(ERP_FAILURES.policyOf(null)).toBeUndefined();
  });

  it('build the ApplicationFailure from the policy: retry, category and delay', () => {
    const unavailable = ONEC_FAILURES.create('Unavailable', '1C is in maintenance', { nextRetryDelay: '30s', details: [{ status: 503 }] });
    expect(unavailable).toMatchObject({ type: 'OneC.Unavailable', message: '1C is in maintenance', nonRetryable: false, nextRetryDelay: '30s' });
    expect(unavailable.category).toBe(ApplicationFailureCategory.BENIGN);
    expect(unavailable.details).toEqual([{ status: 503 }]);

    const bad = ONEC_FAILURES.create('BadResponse', 'not JSON', { nextRetryDelay: '30s' });
    expect(bad).toMatchObject({ type: 'OneC.BadResponse', nonRetryable: true });
    // A failure that is never retried carries no retry delay, and a non-benign one no category.
    expect(bad.nextRetryDelay).toBeUndefined();
    expect(bad.category).toBeUndefined();

    const limited = BITRIX24_FAILURES.create('QUERY_LIMIT_EXCEEDED', 'too many requests');
    expect(limited).toMatchObject({ nonRetryable: false, nextRetryDelay: 1_000, category: ApplicationFailureCategory.BENIGN });
  });

  it('let one failure override its policy where the same type is routine or final only sometimes', () => {
    expect(FINANCE_FAILURES.create('Unavailable', 'maintenance', { benign: true }).category).toBe(ApplicationFailureCategory.BENIGN);
    expect(FINANCE_FAILURES.create('Unavailable', 'refused').category).toBeUndefined();
    expect(ERP_ORDER_FAILURES.create('DealUnreadable', 'ACCESS_DENIED', { retryable: false }).nonRetryable).toBe(true);
  });

  it('name a type after its prefix and key, so a new catalogue follows the same shape', () => {
    const catalogue = defineFailures('Shop', { OutOfStock: { retryable: false }, Busy: { retryable: true, retryDelayMs: 5_000 } });
    expect(catalogue.type).toEqual({ OutOfStock: 'Shop.OutOfStock', Busy: 'Shop.Busy' });
    expect(catalogue.create('Busy', 'later').nextRetryDelay).toBe(5_000);
  });
});
