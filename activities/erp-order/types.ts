import type { ErpCustomer, ErpOrderLine } from '../../integrations/erp/types.js';

/** What the ERP order robot needs from a deal; plain JSON (a workflow input and output). */
export interface ErpOrderDeal {
  dealId: number;
  title: string;
  /** The responsible user (ASSIGNED_BY_ID), who is notified. 0 when the deal has none. */
  assignedById: number;
  /** ISO 4217 code from CURRENCY_ID. */
  currency: string;
  customer: ErpCustomer;
  /** The order number already in the configured deal field, or '' when there is none. */
  existingOrderId: string;
  /** Every product row as an order line; empty when the deal already has an order (nothing left to send). */
  lines: ErpOrderLine[];
}

export interface ReadDealInput {
  memberId: string;
  dealId: number;
  /** UPPER_CASE user field, e.g. UF_CRM_ERP_ORDER_ID (crm.deal.get returns user fields under their original names). */
  orderField: string;
}
