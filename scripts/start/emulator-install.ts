import { redactText } from '../../lib/logger.js';

export class EmulatorInstallError extends Error {
  override readonly name = 'EmulatorInstallError';
}

/** Asks the emulator's control API to install our app, as a portal admin would: it then calls our install handler. */
export async function installAppIntoEmulator(emulatorUrl: string, installUrl: string, timeoutMs = 60_000): Promise<void> {
  const response = await fetch(new URL('/_emulator/install', emulatorUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ installUrl }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  const body = redactText((await response.text()).slice(0, 300));
  throw new EmulatorInstallError(`installing the app into the emulator failed: HTTP ${response.status} ${body}`);
}
