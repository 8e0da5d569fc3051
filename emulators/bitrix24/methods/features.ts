import { RestError } from '../errors.js';
import type { MethodTable } from '../method-types.js';
import { asString, paramCI } from '../params.js';
import { FEATURE_CODES, type FeatureCode } from '../state.js';

const KNOWN = new Set<string>(Object.values(FEATURE_CODES));

/**
 * `feature.get` (b24restdocs api-reference/common/system/feature-get.md): `CODE` → `{value: 'Y'|'N'}` from the
 * portal's plan; no CODE → 400 CODE_EMPTY. Any user, webhook or application.
 */
export const featureMethods: MethodTable = {
  'feature.get': {
    handler: (params, ctx) => {
      const code = asString(paramCI(params, 'CODE'))?.trim();
      if (!code) throw new RestError(400, 'CODE_EMPTY', "CODE can't be empty");
      // CHOICE: a code the emulator does not model is a feature the portal lacks.
      const enabled = KNOWN.has(code) && ctx.state.features[code as FeatureCode];
      return { result: { value: enabled ? 'Y' : 'N' } };
    },
  },
};
