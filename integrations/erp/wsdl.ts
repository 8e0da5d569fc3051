import { fileURLToPath } from 'node:url';

/** The WSDL shipped with the service; the client reads it from disk so a worker can start while the ERP is down. */
export const ERP_WSDL_PATH = fileURLToPath(new URL('./erp.wsdl', import.meta.url));
