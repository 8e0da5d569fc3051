import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID_KEY = 'encryption-key-id';
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/** Why a payload could not be decoded; stable codes for logs and the codec server's answers. */
export const PAYLOAD_CODEC_ERRORS = {
  PLAINTEXT_PAYLOAD: 'an unencrypted payload was refused (set PAYLOAD_CODEC_ALLOW_PLAINTEXT=true only while migrating)',
  UNKNOWN_KEY_ID: 'the payload was encrypted with another key id',
  DECRYPTION_FAILED: 'the payload could not be decrypted (wrong PAYLOAD_CODEC_KEY, or the payload was altered)',
} as const;
export type PayloadCodecErrorCode = keyof typeof PAYLOAD_CODEC_ERRORS;

export class PayloadCodecError extends Error {
  override readonly name = 'PayloadCodecError';

  constructor(readonly code: PayloadCodecErrorCode) {
    super(`${code}: ${PAYLOAD_CODEC_ERRORS[code]}`);
  }
}

export interface AesGcmPayloadCodecOptions {
  keyId?: string;
  /**
   * Accept payloads that are not encrypted on decode (histories written before the codec existed). Off by default:
   * a plaintext payload would otherwise be a way to feed a worker data nobody encrypted.
   */
  allowPlaintext?: boolean;
}

const IV_POOL_SIZE = 4096;

/**
 * Nonces cut from a buffer the CSPRNG fills 4 KiB at a time: every IV is still 96 fresh random bits, but one
 * `randomBytes` call serves 341 payloads (a call per payload was about a fifth of an encode). A refill allocates a new
 * buffer, so an IV handed out earlier is never overwritten.
 */
class RandomNoncePool {
  private pool = Buffer.alloc(0);
  private offset = 0;

  take(length: number): Buffer {
    if (this.offset + length > this.pool.length) {
      this.pool = randomBytes(IV_POOL_SIZE);
      this.offset = 0;
    }
    const nonce = this.pool.subarray(this.offset, this.offset + length);
    this.offset += length;
    return nonce;
  }
}

/**
 * AES-256-GCM over every payload (inputs, results, update and query values, heartbeat details, and failure messages
 * through lib/failure-converter.cjs), so portal tokens, event tokens and business data are never plaintext in
 * Temporal's database or Web UI. The original payload is serialized as JSON so the codec stays dependency-light.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly nonces = new RandomNoncePool();
  private readonly key: Buffer;
  private readonly keyId: string;
  private readonly allowPlaintext: boolean;

  constructor(keyBase64: string, options: AesGcmPayloadCodecOptions = {}) {
    this.key = Buffer.from(keyBase64, 'base64');
    if (this.key.length !== 32) throw new Error('payload codec key must be 32 bytes');
    this.keyId = options.keyId ?? 'default';
    this.allowPlaintext = options.allowPlaintext ?? false;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = this.nonces.take(IV_LENGTH);
      const cipher = createCipheriv('aes-256-gcm', this.key, iv);
      const plain = Buffer.from(JSON.stringify(serialize(payload)));
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: new TextEncoder().encode(ENCRYPTED_ENCODING),
          [KEY_ID_KEY]: new TextEncoder().encode(this.keyId),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (!isEncrypted(payload)) {
        if (this.allowPlaintext) return payload;
        throw new PayloadCodecError('PLAINTEXT_PAYLOAD');
      }
      const keyId = payload.metadata?.[KEY_ID_KEY];
      if (keyId && new TextDecoder().decode(keyId) !== this.keyId) throw new PayloadCodecError('UNKNOWN_KEY_ID');
      return deserialize(JSON.parse(this.decrypt(Buffer.from(payload.data ?? new Uint8Array()))) as SerializedPayload);
    });
  }

  private decrypt(data: Buffer): string {
    if (data.length < IV_LENGTH + TAG_LENGTH) throw new PayloadCodecError('DECRYPTION_FAILED');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, IV_LENGTH));
      decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
      return Buffer.concat([decipher.update(data.subarray(IV_LENGTH, data.length - TAG_LENGTH)), decipher.final()]).toString('utf8');
    } catch {
      // The crypto error says nothing useful ("Unsupported state or unable to authenticate data").
      throw new PayloadCodecError('DECRYPTION_FAILED');
    }
  }
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && new TextDecoder().decode(encoding) === ENCRYPTED_ENCODING;
}

interface SerializedPayload {
  metadata: Record<string, string>;
  data: string;
}

function serialize(payload: Payload): SerializedPayload {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    if (value) metadata[key] = Buffer.from(value).toString('base64');
  }
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

function deserialize(serialized: SerializedPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(serialized.metadata)) metadata[key] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(serialized.data, 'base64') };
}
