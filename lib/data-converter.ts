import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './payload-codec.js';

/** The data converter shared by the API, the worker, tests and scripts: same codec everywhere. */
export function createDataConverter(payloadCodecKey: string): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(payloadCodecKey)] };
}
