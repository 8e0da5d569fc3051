import { performance } from 'node:perf_hooks';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { ERP_CREATE_ORDER } from '../../contracts/robot-declarations.js';
import type { Stack } from '../../test/support/stack.js';
import type { BenchRow } from './stats.js';

/**
 * erp_create_order against a slow ERP (the stack's simulator answers in 35 s): time from the robot call to
 * bizproc.event.send, so the overhead we add on top of the ERP's own latency is visible. Calls run one after another.
 */
export async function erpRoundTrip(stack: Stack, calls: number): Promise<BenchRow[]> {
  const handlerUrl = `${stack.apiUrl}/bitrix24/bizproc`;
  const rows: BenchRow[] = [];
  for (let index = 0; index < calls; index += 1) {
    const deal = stack.emulator.state.addItem(ENTITY_TYPE.deal, { title: `Bench ${index}`, opportunity: 1, currencyId: 'RUB', assignedById: 3 });
    stack.emulator.state.setProductRows('D', Number(deal.id), [{ productId: 1, productName: 'Part', price: 10, quantity: 3 }]);
    const started = performance.now();
    const fired = await stack.emulator.fireRobot(handlerUrl, { code: ERP_CREATE_ORDER.code, documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${deal.id}`] });
    if (fired.status !== 200) throw new Error(`erp_create_order answered ${fired.status}`);
    await stack.emulator.waitForRobotCompletion(fired.eventToken, 120_000);
    const totalMs = performance.now() - started;
    rows.push({
      benchmark: 'erp_create_order, ERP answering in 35 s',
      figure: `call ${index + 1}: call → event.send`,
      value: `${(totalMs / 1000).toFixed(2)} s`,
      target: '<= 35 s ERP + 5 s',
      met: totalMs <= 40_000,
    });
  }
  return rows;
}
