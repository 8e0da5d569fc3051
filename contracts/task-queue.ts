/** The one task queue every workflow and activity of this service runs on. */
export const DEFAULT_TASK_QUEUE = 'b24-temporal';
