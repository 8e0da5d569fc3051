import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './payload-codec.js';

/** lib/failure-converter.cjs: the SDK's default failure converter with `encodeCommonAttributes: true`. */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

export interface DataConverterOptions {
  /** Migration only (PAYLOAD_CODEC_ALLOW_PLAINTEXT): accept payloads written before encryption was turned on. */
  allowPlaintextPayloads?: boolean;
}

/**
 * The data converter shared by the API, the worker, tests and scripts: same codec and failure converter everywhere.
 * Workflow bundles built ahead of time must pass FAILURE_CONVERTER_PATH to bundleWorkflowCode as well.
 */
export function createDataConverter(payloadCodecKey: string, options: DataConverterOptions = {}): DataConverter {
  return {
    payloadCodecs: [new AesGcmPayloadCodec(payloadCodecKey, { allowPlaintext: options.allowPlaintextPayloads ?? false })],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
