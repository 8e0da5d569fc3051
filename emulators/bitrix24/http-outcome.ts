/** What a handler answered to a delivery the emulator made (an event, a robot call, an install, a placement). */
export interface HttpOutcome {
  status: number;
  body: unknown;
}
