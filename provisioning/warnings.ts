import type { BizprocDeclaration } from './declaration.js';

/**
 * Robots and activities that could leave a Bitrix24 business process waiting forever (docs/bitrix24.md, "Registering robots and activities"): a
 * waiting registration stays "Executing" until `bizproc.event.send` arrives or the instance's own timeout fires, and
 * that timeout is set per robot instance in the designer, where 0 (the default) means never.
 */
export const WARNING = {
  /** Empty USE_SUBSCRIPTION: current docs say "waits", older docs and core let the designer user choose. */
  subscriptionUnset: 'subscription-unset',
  /** Waits, but nothing in our code answers the call. */
  noWorkflow: 'no-workflow',
  /** Waits for a send but declares nothing to return: easy to forget the send, and nothing to check it by. */
  waitsWithoutReturnProperties: 'waits-without-return-properties',
  /** Declares return values that can never arrive: a send is accepted only while the robot waits. */
  returnsWithoutWaiting: 'returns-without-waiting',
  /** Bitrix24's queue servers cannot reach a loopback or private handler, so the call is lost and the robot waits. */
  unreachableHandler: 'unreachable-handler',
} as const;
export type WarningCode = (typeof WARNING)[keyof typeof WARNING];

export interface ProvisioningWarning {
  code: WarningCode;
  kind: BizprocDeclaration['kind'];
  robotCode: string;
  message: string;
}

export interface WarningContext {
  /** Workflow types the worker registers; without it the no-workflow rule is skipped. */
  knownWorkflowTypes?: readonly string[];
  /** The portal's domain (`example.bitrix24.com`); without it the unreachable-handler rule is skipped. */
  portalDomain?: string;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url.includes('://') ? url : `https://${url}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return undefined;
  }
}

/** Loopback, RFC 1918, link-local, unique-local and `.local`/`localhost` names. */
export function isPrivateHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host === '::1') return true;
  if (/^(fc|fd)[0-9a-f]{2}:/i.test(host) || /^fe80:/i.test(host)) return true;
  const octets = host.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet))) return false;
  const [a = -1, b = -1] = octets;
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || a === 0;
}

function warningsFor(entry: BizprocDeclaration, context: WarningContext): ProvisioningWarning[] {
  const found: ProvisioningWarning[] = [];
  const warn = (code: WarningCode, message: string) => found.push({ code, kind: entry.kind, robotCode: entry.code, message });
  const { fields } = entry;
  const waits = fields.USE_SUBSCRIPTION !== 'N';
  const hasReturns = Object.keys(fields.RETURN_PROPERTIES ?? {}).length > 0;

  if (fields.USE_SUBSCRIPTION !== 'Y' && fields.USE_SUBSCRIPTION !== 'N') {
    warn(WARNING.subscriptionUnset, 'USE_SUBSCRIPTION is empty: depending on the portal the robot may wait for a response; register Y or N explicitly');
  }
  if (waits && context.knownWorkflowTypes !== undefined && !context.knownWorkflowTypes.includes(entry.workflowType)) {
    warn(WARNING.noWorkflow, `waits for bizproc.event.send, but no worker workflow "${entry.workflowType}" exists to send it: the process would wait forever`);
  }
  if (waits && !hasReturns) {
    warn(WARNING.waitsWithoutReturnProperties, 'waits for bizproc.event.send but has no RETURN_PROPERTIES: unless every run sends, the process waits until its timeout (0 = forever)');
  }
  if (!waits && hasReturns) {
    warn(WARNING.returnsWithoutWaiting, 'has RETURN_PROPERTIES but USE_SUBSCRIPTION N: Bitrix24 does not wait, so the values can never arrive');
  }
  const handlerHost = hostOf(fields.HANDLER);
  const portalHost = context.portalDomain === undefined ? undefined : hostOf(context.portalDomain);
  if (waits && handlerHost !== undefined && portalHost !== undefined && isPrivateHost(handlerHost) && !isPrivateHost(portalHost)) {
    warn(WARNING.unreachableHandler, `HANDLER ${handlerHost} is not reachable from ${portalHost}: calls are lost and the process waits forever (set PUBLIC_URL)`);
  }
  return found;
}

export function provisioningWarnings(bizproc: readonly BizprocDeclaration[], context: WarningContext = {}): ProvisioningWarning[] {
  return bizproc.flatMap((entry) => warningsFor(entry, context));
}
