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
  const text = await response.text();
  if (response.ok) return;
  throw new EmulatorInstallError(`installing the app into the emulator failed: HTTP ${response.status}${describeErrorBody(text)}`);
}

/** Only the error fields: a full body may carry tokens. */
function describeErrorBody(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; error_description?: unknown; message?: unknown };
    const parts = [body.error, body.error_description ?? body.message].filter((part) => typeof part === 'string');
    return parts.length > 0 ? ` (${parts.join(': ')})` : '';
  } catch {
    return '';
  }
}
