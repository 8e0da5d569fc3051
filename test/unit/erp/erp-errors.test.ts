import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { classifyErpError } from '../../../integrations/erp/client.js';
import { ERP_FAILURES, erpFailure, failureNameForFaultCode, type ErpFailureName } from '../../../integrations/erp/errors.js';
import { parseLatencySetting } from '../../../emulators/erp/latency.js';

function soapFaultError(fault: unknown, status: number): Error {
  return Object.assign(new Error('fault'), { root: { Envelope: { Body: { Fault: fault } } }, response: { status } });
}

describe('ERP error catalogue', () => {
  it.each([
    ['soap:Client.Validation', ERP_FAILURES.type.Validation],
    ['SOAP-ENV:Client.BusinessRejection', ERP_FAILURES.type.Rejected],
    ['s:Server.Unavailable', ERP_FAILURES.type.Unavailable],
    ['soap:Server', ERP_FAILURES.type.ServerError],
    ['soap:Server.OutOfMemory', ERP_FAILURES.type.ServerError],
    ['soap:Client', ERP_FAILURES.type.Validation],
    ['Client.Unknown', ERP_FAILURES.type.Validation],
    ['soap:MustUnderstand', ERP_FAILURES.type.ServerError],
  ])('maps faultcode %s to %s', (faultCode, type) => {
    expect(ERP_FAILURES.type[failureNameForFaultCode(faultCode)]).toBe(type);
  });

  it('lists exactly validation and rejection as non-retryable', () => {
    expect([...ERP_FAILURES.nonRetryableTypes].sort()).toEqual([ERP_FAILURES.type.Rejected, ERP_FAILURES.type.Validation]);
  });

  it('marks only expected transient failures as benign', () => {
    const names = Object.keys(ERP_FAILURES.policies) as ErpFailureName[];
    const benign = names
      .map((name) => erpFailure(name, 'x'))
      .filter((failure) => failure.category === ApplicationFailureCategory.BENIGN)
      .map((failure) => failure.type);
    expect(benign.sort()).toEqual([ERP_FAILURES.type.Timeout, ERP_FAILURES.type.Unavailable]);
  });
});

describe('classifyErpError', () => {
  it('reads SOAP 1.1 faults whose code and string come as $value nodes', () => {
    const fault = { faultcode: { $value: 'soap:Client.BusinessRejection' }, faultstring: { $value: 'Credit hold' } };
    const failure = classifyErpError(soapFaultError(fault, 200), 'CreateOrder');
    expect(failure).toMatchObject({
      type: ERP_FAILURES.type.Rejected,
      nonRetryable: true,
      message: 'ERP fault soap:Client.BusinessRejection: Credit hold',
    });
  });

  it('reads SOAP 1.2 faults by their subcode', () => {
    const fault = {
      Code: { Value: 'soap:Receiver', Subcode: { Value: 'erp:Unavailable' } },
      Reason: { Text: 'Maintenance' },
    };
    expect(classifyErpError(soapFaultError(fault, 500))).toMatchObject({ type: ERP_FAILURES.type.Unavailable });
  });

  it('classifies gateway statuses without a fault as unavailable, other statuses as server errors', () => {
    const httpError = (status: number) => Object.assign(new Error('Cannot parse response'), { response: { status } });
    expect(classifyErpError(httpError(503)).type).toBe(ERP_FAILURES.type.Unavailable);
    expect(classifyErpError(httpError(502)).type).toBe(ERP_FAILURES.type.Unavailable);
    expect(classifyErpError(httpError(404)).type).toBe(ERP_FAILURES.type.ServerError);
  });

  it('classifies network errors by code, also when wrapped in a cause', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyErpError(new Error('request failed', { cause: reset })).type).toBe(ERP_FAILURES.type.Unavailable);
    const timedOut = Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' });
    expect(classifyErpError(timedOut).type).toBe(ERP_FAILURES.type.Timeout);
  });

  it('passes an ApplicationFailure through untouched and keeps credentials out of messages', () => {
    const original = ApplicationFailure.create({ type: 'Other', message: 'x' });
    expect(classifyErpError(original)).toBe(original);
    const leaky = new Error('GET https://erp/x?access_token=secret1 failed');
    expect(classifyErpError(leaky).message).not.toContain('secret1');
  });
});

describe('parseLatencySetting', () => {
  it('reads a fixed delay or a range', () => {
    expect(parseLatencySetting('250')).toBe(250);
    expect(parseLatencySetting('30000-40000')).toEqual([30_000, 40_000]);
    expect(() => parseLatencySetting('40-30')).toThrow();
    expect(() => parseLatencySetting('fast')).toThrow();
  });
});
