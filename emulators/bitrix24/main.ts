import { createLogger } from '../../lib/logger.js';
import { startBitrix24Emulator } from './index.js';
import { StateFileError } from './state-file.js';

const logger = createLogger({ name: 'bitrix24-emulator' });
const stateFile = process.env.EMULATOR_STATE_FILE || undefined;

let emulator: Awaited<ReturnType<typeof startBitrix24Emulator>>;
try {
  emulator = await startBitrix24Emulator({
    host: process.env.EMULATOR_HOST ?? '127.0.0.1',
    port: Number(process.env.EMULATOR_PORT ?? 3001),
    ...(process.env.B24_CLIENT_ID ? { clientId: process.env.B24_CLIENT_ID } : {}),
    ...(process.env.B24_CLIENT_SECRET ? { clientSecret: process.env.B24_CLIENT_SECRET } : {}),
    logger: process.env.EMULATOR_LOG_REQUESTS === 'true',
    ...(stateFile ? { stateFile } : {}),
  });
} catch (error) {
  if (!(error instanceof StateFileError)) throw error;
  logger.error({ file: stateFile }, error.message);
  process.exit(1);
}
logger.info(
  {
    url: emulator.url,
    clientEndpoint: emulator.clientEndpoint,
    tokenEndpoint: emulator.tokenEndpoint,
    memberId: emulator.memberId,
    control: `${emulator.url}/_emulator/state`,
    stateFile: stateFile ?? 'none (in memory)',
    restored: emulator.restoredFromStateFile,
  },
  'Bitrix24 emulator listening',
);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'Bitrix24 emulator closing');
    // close() writes the state file last, so nothing the portal did before the signal is lost.
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Bitrix24 emulator failed to close');
        process.exit(1);
      },
    );
  });
}
