/** Escapes text for HTML element content and quoted attribute values alike. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Headers of every runs-tab page: no script at all, the one inline style by nonce, forms only back to us, framed only
 * by the portal (the tab lives in an iframe of the CRM card), nothing cached or sent on as a referrer.
 */
export function pageSecurityHeaders(options: { nonce: string; formTargets: string[]; frameAncestors: string[] }): Record<string, string> {
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${options.nonce}'`,
    `form-action 'self' ${options.formTargets.join(' ')}`.trim(),
    `frame-ancestors 'self' ${options.frameAncestors.join(' ')}`.trim(),
    "base-uri 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}
