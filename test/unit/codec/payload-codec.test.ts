import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config.js';
import { AesGcmPayloadCodec, PayloadCodecError } from '../../../lib/payload-codec.js';

const key = randomBytes(32).toString('base64');
const plaintext = defaultPayloadConverter.toPayload({ article: 'SKU-001', price: 1250.5 });

describe('AesGcmPayloadCodec', () => {
  it('round-trips a payload and leaves no plaintext in the encoded one', async () => {
    const codec = new AesGcmPayloadCodec(key);
    const [encoded] = await codec.encode([plaintext]);
    expect(Buffer.from(encoded?.data ?? []).toString('latin1')).not.toContain('SKU-001');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ article: 'SKU-001', price: 1250.5 });
  });

  it('never reuses a nonce, across refills of its random pool, and every payload still decodes', async () => {
    const codec = new AesGcmPayloadCodec(key);
    // 1 000 payloads need three refills of the 4 KiB pool (341 nonces each).
    const encoded = await codec.encode(Array.from({ length: 1000 }, (_, index) => defaultPayloadConverter.toPayload({ index })));
    const nonces = new Set(encoded.map((payload) => Buffer.from(payload.data ?? []).subarray(0, 12).toString('hex')));
    expect(nonces.size).toBe(1000);
    const decoded = await codec.decode(encoded);
    expect(decoded.map((payload) => (defaultPayloadConverter.fromPayload(payload) as { index: number }).index)).toEqual(
      Array.from({ length: 1000 }, (_, index) => index),
    );
  });

  it('refuses an unencrypted payload on decode by default', async () => {
    const codec = new AesGcmPayloadCodec(key);
    await expect(codec.decode([plaintext])).rejects.toThrow(PayloadCodecError);
    await expect(codec.decode([plaintext])).rejects.toMatchObject({ code: 'PLAINTEXT_PAYLOAD' });
  });

  it('accepts an unencrypted payload while the migration setting allows it', async () => {
    const codec = new AesGcmPayloadCodec(key, { allowPlaintext: loadConfig({ PAYLOAD_CODEC_KEY: key, PAYLOAD_CODEC_ALLOW_PLAINTEXT: 'true' }).PAYLOAD_CODEC_ALLOW_PLAINTEXT });
    const [decoded] = await codec.decode([plaintext]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ article: 'SKU-001', price: 1250.5 });
  });

  it('keeps the migration setting off unless it is set', () => {
    expect(loadConfig({ PAYLOAD_CODEC_KEY: key }).PAYLOAD_CODEC_ALLOW_PLAINTEXT).toBe(false);
  });

  it('names a wrong key or an altered payload without echoing it', async () => {
    const [encoded] = await new AesGcmPayloadCodec(key).encode([plaintext]);
    const otherKey = new AesGcmPayloadCodec(randomBytes(32).toString('base64'));
    await expect(otherKey.decode([encoded!])).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    const altered = { ...encoded!, data: Buffer.from(encoded!.data!).map((byte, index) => (index === 20 ? byte ^ 1 : byte)) };
    await expect(new AesGcmPayloadCodec(key).decode([altered])).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    await expect(new AesGcmPayloadCodec(key, { keyId: 'next' }).decode([encoded!])).rejects.toMatchObject({ code: 'UNKNOWN_KEY_ID' });
  });
});
