/**
 * A history as the text an operator (or anyone with the database) could read: every string and every byte field,
 * payload data included, decoded as UTF-8. JSON.stringify would print bytes as base64 or numbers and hide plaintext.
 */
export function historyText(history: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) {
      parts.push(Buffer.from(value).toString('utf8'));
    } else if (typeof value === 'string') {
      parts.push(value);
    } else if (value && typeof value === 'object' && !seen.has(value)) {
      seen.add(value);
      for (const child of Object.values(value)) walk(child);
    }
  };
  walk(history);
  return parts.join('\n');
}
