/** One order line of a CreateOrderRequest (erp.wsdl `OrderLine`). */
export interface OrderLine {
  readonly productId: string;
  readonly productName: string;
  readonly quantity: number;
  readonly price: number;
}

/** A CreateOrderRequest as the ERP reads it (erp.wsdl); the simulator keeps its own shapes, apart from our client's. */
export interface OrderRequest {
  readonly externalId: string;
  readonly customer: { readonly id: string; readonly name: string };
  readonly currency: string;
  readonly lines: readonly OrderLine[];
}

export type ParsedCreateOrder = { ok: true; request: OrderRequest } | { ok: false; problem: string };

/** Reads the arguments node-soap parsed from a CreateOrderRequest and checks them the way the ERP would. */
export function parseCreateOrderRequest(args: unknown): ParsedCreateOrder {
  const externalId = text(field(args, 'ExternalId'));
  if (!externalId) return invalid('ExternalId is required');
  if (externalId.length > 100) return invalid('ExternalId is longer than 100 characters');

  const customer = field(args, 'Customer');
  const customerId = text(field(customer, 'Id'));
  const customerName = text(field(customer, 'Name'));
  if (!customerId) return invalid('Customer.Id is required');
  if (!customerName) return invalid('Customer.Name is required');

  const currency = text(field(args, 'Currency'));
  if (!/^[A-Z]{3}$/.test(currency)) return invalid('Currency must be an ISO 4217 code such as RUB');

  const rawLines = list(field(field(args, 'Lines'), 'Line'));
  if (rawLines.length === 0) return invalid('Lines must hold at least one Line');
  const lines: OrderLine[] = [];
  for (const [index, rawLine] of rawLines.entries()) {
    const line: OrderLine = {
      productId: text(field(rawLine, 'ProductId')),
      productName: text(field(rawLine, 'ProductName')),
      quantity: Number(field(rawLine, 'Quantity')),
      price: Number(field(rawLine, 'Price')),
    };
    if (!line.productId) return invalid(`Line ${index + 1}: ProductId is required`);
    const where = `Line ${index + 1}`;
    if (!Number.isFinite(line.quantity) || line.quantity <= 0) return invalid(`${where}: Quantity must be positive`);
    if (!Number.isFinite(line.price) || line.price < 0) return invalid(`${where}: Price must not be negative`);
    lines.push(line);
  }

  return { ok: true, request: { externalId, customer: { id: customerId, name: customerName }, currency, lines } };
}

export function externalIdOf(args: unknown): string {
  return text(field(args, 'ExternalId'));
}

function invalid(problem: string): ParsedCreateOrder {
  return { ok: false, problem };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** node-soap yields one repeated element as an object and several as an array. */
function list(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}
