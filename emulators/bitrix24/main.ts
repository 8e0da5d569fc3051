import { createLogger } from '../../lib/logger.js';
import { startBitrix24Emulator } from './index.js';

const logger = createLogger({ name: 'bitrix24-emulator' });

const emulator = await startBitrix24Emulator({
  host: process.env.EMULATOR_HOST ?? '127.0.0.1',
  port: Number(process.env.EMULATOR_PORT ?? 3001),
  ...(process.env.B24_CLIENT_ID ? { clientId: process.env.B24_CLIENT_ID } : {}),
  ...(process.env.B24_CLIENT_SECRET ? { clientSecret: process.env.B24_CLIENT_SECRET } : {}),
  logger: process.env.EMULATOR_LOG_REQUESTS === 'true',
});
logger.info(
  { url: emulator.url, clientEndpoint: emulator.clientEndpoint, tokenEndpoint: emulator.tokenEndpoint, memberId: emulator.memberId, control: `${emulator.url}/_emulator/state` },
  'Bitrix24 emulator listening',
);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'Bitrix24 emulator closing');
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Bitrix24 emulator failed to close');
        process.exit(1);
      },
    );
  });
}
