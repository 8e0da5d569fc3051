/** Worker configuration the credit-limit check needs: its slice of ProcessSettings (`credit`, activities/credit/activities.ts). */
export interface CreditCheckSettings {
  /** How long after the call the check keeps trying an unavailable finance system (CREDIT_WAIT_SECONDS). */
  waitMs: number;
  /** Pause between attempts while it is unavailable (CREDIT_RETRY_INTERVAL_SECONDS). */
  retryIntervalMs: number;
  /** One lookup attempt may take this long: the finance HTTP timeout plus a margin for the activity itself. */
  attemptTimeoutMs: number;
  /** Bitrix24 user notified when a check is routed to manual approval because of an outage (CREDIT_APPROVER_USER_ID). */
  approverUserId: number;
}
