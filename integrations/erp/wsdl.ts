import { fileURLToPath } from 'node:url';

/** The WSDL shipped with the service; the client reads it from disk so a worker can start while the ERP is down. */
export const ERP_WSDL_PATH = fileURLToPath(new URL('./erp.wsdl', import.meta.url));

export const ERP_NAMESPACE = 'urn:b24temporal:erp:v1';

/** The address written in erp.wsdl; servers substitute their real one. */
export const ERP_WSDL_PLACEHOLDER_ADDRESS = 'http://127.0.0.1:3102/erp';
