const MAX_REMOTE_MESSAGE_LENGTH = 500;

/** Text that came from the remote side, with every known secret replaced and then cut short, before it is logged or thrown. */
export function redactSecrets(text: string, secrets: string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join('[redacted]');
  }
  return result.slice(0, MAX_REMOTE_MESSAGE_LENGTH);
}
