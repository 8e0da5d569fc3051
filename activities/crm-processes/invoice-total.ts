/** The product-row fields the total depends on (b24restdocs api-reference/crm/universal/product-rows/crm-item-productrow-list.md). */
export interface PricedRow {
  price: number | string;
  quantity: number | string;
}

/** Money in minor units (kopecks, cents), so sums of many rows do not drift. */
function toMinorUnits(amount: number): number {
  // toPrecision(12) drops binary noise such as 611.0000000001 before rounding half away from zero.
  const cleaned = Number((amount * 100).toPrecision(12));
  return Math.sign(cleaned) * Math.round(Math.abs(cleaned));
}

/**
 * The invoice total as Bitrix24 computes an item's amount from its product rows: the sum over rows of
 * `price × quantity`, each line rounded to 2 decimals. `price` is already the final unit price — discount
 * applied, tax added when `taxIncluded` is N, kept when Y ("price — unit price including discounts and taxes",
 * dev.1c-bitrix.ru/rest_help/crm/productrow/crm_item_productrow_get.php; b24restdocs api-reference/crm/data-types.md#crm_item_product_row),
 * so priceNetto/priceBrutto/discount/tax fields are not re-applied here.
 */
export function invoiceTotal(rows: readonly PricedRow[]): number {
  const minor = rows.reduce((sum, row) => sum + toMinorUnits(Number(row.price) * Number(row.quantity)), 0);
  return minor / 100;
}

/** True when two amounts are the same money (to the minor unit). */
export function sameAmount(left: number | string | null | undefined, right: number): boolean {
  if (left === null || left === undefined || String(left).trim() === '') return false;
  const value = Number(left);
  return Number.isFinite(value) && toMinorUnits(value) === toMinorUnits(right);
}
