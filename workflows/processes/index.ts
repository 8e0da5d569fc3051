export { claimIntakePass } from './claim-intake.js';
export { invoiceTotalPass } from './invoice-total.js';
export { dealProductsPass } from './deal-products.js';
