/**
 * The runs tab's error catalogue: every refusal has a stable code, a status, and a message written for the person
 * looking at the CRM card (never a token, never a Bitrix24 internal).
 */
export const PLACEMENT_ERROR_CODES = {
  badRequest: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  pageExpired: 'PAGE_EXPIRED',
  forbidden: 'FORBIDDEN',
  notFound: 'NOT_FOUND',
  conflict: 'CONFLICT',
  portalUnavailable: 'BITRIX24_UNAVAILABLE',
  notConfigured: 'NOT_CONFIGURED',
} as const;
export type PlacementErrorCode = (typeof PLACEMENT_ERROR_CODES)[keyof typeof PLACEMENT_ERROR_CODES];

export class PlacementError extends Error {
  override readonly name = 'PlacementError';
  constructor(
    readonly statusCode: number,
    readonly code: PlacementErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const placementErrors = {
  badRequest: (message: string) => new PlacementError(400, PLACEMENT_ERROR_CODES.badRequest, message),
  sessionRejected: () =>
    new PlacementError(401, PLACEMENT_ERROR_CODES.unauthorized, 'Bitrix24 did not accept your session. Reopen the tab.'),
  pageTokenInvalid: () =>
    new PlacementError(401, PLACEMENT_ERROR_CODES.unauthorized, 'This page could not be verified. Reopen the tab.'),
  pageExpired: () => new PlacementError(401, PLACEMENT_ERROR_CODES.pageExpired, 'This page has expired. Reopen the tab.'),
  forbidden: (message: string) => new PlacementError(403, PLACEMENT_ERROR_CODES.forbidden, message),
  itemNotReadable: () => new PlacementError(403, PLACEMENT_ERROR_CODES.forbidden, 'You do not have access to this item.'),
  itemNotFound: () => new PlacementError(404, PLACEMENT_ERROR_CODES.notFound, 'This item does not exist (any more).'),
  runNotFound: () => new PlacementError(404, PLACEMENT_ERROR_CODES.notFound, 'This run does not belong to this item.'),
  conflict: (message: string) => new PlacementError(409, PLACEMENT_ERROR_CODES.conflict, message),
  portalUnavailable: () =>
    new PlacementError(502, PLACEMENT_ERROR_CODES.portalUnavailable, 'Bitrix24 did not answer in time. Try again in a minute.'),
  notConfigured: () => new PlacementError(404, PLACEMENT_ERROR_CODES.notConfigured, 'The runs tab is not enabled on this server.'),
} as const;
