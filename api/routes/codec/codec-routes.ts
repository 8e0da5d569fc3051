import cors from '@fastify/cors';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AesGcmPayloadCodec, PayloadCodecError } from '../../../lib/payload-codec.js';
import { CodecCallerRefused, createCodecCallerVerifier } from '../../codec/caller-verifier.js';
import { fromJson, payloadsBody, toJson } from '../../codec/payloads-json.js';
import type { IngressServices } from '../../deps.js';
import { apiErrors } from '../../errors.js';
import { parseBody } from '../../schemas/parse.js';

/** A history page's payloads, base64 in JSON; Temporal caps one payload at 2 MB. */
const CODEC_BODY_LIMIT = 8 * 1024 * 1024;

/** Registered under the prefix `/codec`, so the CORS preflight route it adds is `/codec/*` and nothing else. */
export const CODEC_PREFIX = '/codec';

/** The origins that may call the codec from a browser: CODEC_CORS_ORIGINS, else the Web UI's own origin. */
export function codecCorsOrigins(config: IngressServices['config']): string[] {
  return config.CODEC_CORS_ORIGINS.length > 0 ? config.CODEC_CORS_ORIGINS : [new URL(config.TEMPORAL_WEB_UI_URL).origin];
}

/**
 * Temporal's codec-server protocol (`POST .../decode`, `POST .../encode`, `{payloads: [...]}` in protobuf JSON, the
 * `X-Namespace` header), so the Web UI and `temporal workflow show --codec-endpoint` show payloads and failures in
 * clear text. Every call proves its caller first (caller-verifier.ts): a refused one decodes nothing.
 */
const codecRoutes: FastifyPluginAsync<IngressServices> = async (app, { config }) => {
  const verifyCaller = createCodecCallerVerifier(config);
  // Plaintext payloads pass through untouched: the caller already sees them; refusing would only hide
  // the SDK's own unencrypted markers (patches, local activities) in the UI.
  const codec = new AesGcmPayloadCodec(config.PAYLOAD_CODEC_KEY, { allowPlaintext: true });
  const allowedOrigins = new Set(codecCorsOrigins(config));

  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowedOrigins.has(origin)),
    methods: ['POST'],
    allowedHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
    // The UI's "include cross-origin credentials" setting sends cookies; it works only with this header.
    credentials: true,
    maxAge: 600,
  });

  async function authorize(request: FastifyRequest): Promise<void> {
    try {
      const caller = await verifyCaller(request.headers.authorization);
      request.log.debug({ caller: caller.kind }, 'codec caller verified');
    } catch (error) {
      if (!(error instanceof CodecCallerRefused)) throw error;
      request.log.warn({ refusal: error.code, detail: error.detail }, 'codec call refused');
      throw apiErrors.unauthorized('the codec needs a valid bearer token (an OIDC access token or CODEC_STATIC_TOKEN)');
    }
    const namespace = request.headers['x-namespace'];
    if (typeof namespace === 'string' && namespace !== '' && namespace !== config.TEMPORAL_NAMESPACE) {
      throw apiErrors.namespaceNotServed(namespace.slice(0, 100));
    }
  }

  const options = { bodyLimit: CODEC_BODY_LIMIT } as const;

  app.post('/decode', options, async (request, reply) => {
    await authorize(request);
    const payloads = fromJson(parseBody(payloadsBody, request.body));
    try {
      return await reply.header('cache-control', 'no-store').send(toJson(await codec.decode(payloads)));
    } catch (error) {
      if (error instanceof PayloadCodecError) throw apiErrors.payloadNotDecodable(error.message);
      throw error;
    }
  });

  app.post('/encode', options, async (request, reply) => {
    await authorize(request);
    const payloads = fromJson(parseBody(payloadsBody, request.body));
    return reply.header('cache-control', 'no-store').send(toJson(await codec.encode(payloads)));
  });
};

export default codecRoutes;
