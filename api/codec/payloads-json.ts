import type { Payload } from '@temporalio/common';
import { z } from 'zod';

/** One batch from the Web UI or the CLI; a history page sends a handful, so the bound only stops abuse. */
export const MAX_PAYLOADS_PER_CALL = 1000;

const METADATA_KEY = /^[A-Za-z0-9._-]{1,128}$/;

/** A Payload in protobuf JSON (the codec-server protocol): metadata values and data are base64. */
const payloadJson = z.object({
  metadata: z.record(z.string().regex(METADATA_KEY, 'metadata keys are short names'), z.base64()).optional(),
  data: z.base64().optional(),
});

export const payloadsBody = z.object({ payloads: z.array(payloadJson).max(MAX_PAYLOADS_PER_CALL) });
export type PayloadsBody = z.output<typeof payloadsBody>;

export function fromJson(body: PayloadsBody): Payload[] {
  return body.payloads.map((payload) => ({
    // Object.fromEntries defines own properties, so a `__proto__` key cannot reach the prototype.
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  }));
}

export function toJson(payloads: readonly Payload[]): { payloads: { metadata: Record<string, string>; data: string }[] } {
  return {
    payloads: payloads.map((payload) => ({
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).flatMap(([key, value]) => (value ? [[key, Buffer.from(value).toString('base64')]] : [])),
      ),
      data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
