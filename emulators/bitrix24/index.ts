export { startBitrix24Emulator, EMULATOR_DEFAULTS } from './server.js';
export type { EmulatorState, PortalUser, Department, ProductRow, EventBinding, OfflineEvent, Delivery, FeatureCode } from './state.js';
export { FEATURE_CODES } from './state.js';
export type { CrmItem } from './crm-store.js';
export * from './types.js';
