/** A provisioning step failed; the message names the step and the Bitrix24 error (method, code, redacted text). */
export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
  /** The Bitrix24 error code when there is one (e.g. `ERROR_WRONG_HANDLER_URL`), else ''. */
  readonly code: string;

  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`provisioning failed at ${step}: ${reason}`, { cause });
    const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    this.code = typeof code === 'string' ? code : '';
  }
}

/** A placeholder id survived to apply time: the plan was not made by diffPortal for this portal. */
export class UnresolvedTypeError extends Error {
  override readonly name = 'UnresolvedTypeError';
}
