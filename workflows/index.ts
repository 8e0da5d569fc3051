export { portalWorkflow } from './portal.js';
export { get1cPriceWorkflow } from './get-1c-price.js';
