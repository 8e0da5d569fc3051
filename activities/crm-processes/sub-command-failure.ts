import type { ApplicationFailure } from '@temporalio/common';
import type { BatchCommandError } from '../../integrations/bitrix24/batch.js';
import { Bitrix24Error, toApplicationFailure } from '../../integrations/bitrix24/errors.js';

/** A failed `batch` sub-command as the same ApplicationFailure its direct call would raise (catalogue retry rules). */
export function subCommandFailure(method: string, error: BatchCommandError): ApplicationFailure {
  return toApplicationFailure(new Bitrix24Error({ code: error.error, status: 400, description: error.error_description, method }));
}
