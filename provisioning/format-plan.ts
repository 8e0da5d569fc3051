import type { ApplyProgress } from './apply.js';
import { describeResource, isEmptyPlan, type ProvisioningPlan } from './plan.js';
import type { ProvisioningWarning } from './warnings.js';

/** The plan as text for people: one line per change, updates with the fields that differ and why. */
export function formatPlan(plan: ProvisioningPlan): string {
  const lines: string[] = [];
  if (isEmptyPlan(plan)) lines.push('Nothing to do: the portal matches the declaration.');
  if (plan.add.length > 0) {
    lines.push(`add (${plan.add.length}):`);
    for (const entry of plan.add) lines.push(`  + ${describeResource(entry.resource)}`);
  }
  if (plan.update.length > 0) {
    lines.push(`update (${plan.update.length}):`);
    for (const entry of plan.update) {
      const fields = entry.differences.includes('*') ? 'all fields' : entry.differences.join(', ');
      lines.push(`  ~ ${describeResource(entry.resource)}: ${fields} (${entry.reason})`);
    }
  }
  if (plan.remove.length > 0) {
    lines.push(`remove (${plan.remove.length}):`);
    for (const entry of plan.remove) lines.push(`  - ${describeResource(entry.resource)}`);
  }
  if (plan.notes.length > 0) {
    lines.push('left as is:');
    for (const note of plan.notes) lines.push(`  · ${note}`);
  }
  return lines.join('\n');
}

export function formatProgress(progress: ApplyProgress): string {
  return `[${progress.step}/${progress.total}] ${progress.action} ${progress.label}: ${progress.status}`;
}

export function formatWarnings(warnings: readonly ProvisioningWarning[]): string {
  return warnings.map((warning) => `warning [${warning.code}] ${warning.kind} ${warning.robotCode}: ${warning.message}`).join('\n');
}
