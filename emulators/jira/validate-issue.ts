export const ISSUE_TYPES = ['Task', 'Bug', 'Story', 'Epic'] as const;

export interface ValidIssueFields {
  projectKey: string;
  summary: string;
  description: unknown;
  issueType: string;
  labels: string[];
}

/**
 * Checks a create-issue body as Jira Cloud does and answers with its `errors` map (field → message), or the fields
 * when everything is valid.
 */
export function validateIssueFields(
  body: unknown,
  projects: ReadonlySet<string>,
): { fields: ValidIssueFields } | { errors: Record<string, string> } {
  const fields = isRecord(body) && isRecord(body.fields) ? body.fields : {};
  const errors: Record<string, string> = {};

  const project = isRecord(fields.project) ? fields.project : {};
  const projectKey = typeof project.key === 'string' ? project.key.toUpperCase() : '';
  if (!projects.has(projectKey)) errors.project = 'valid project is required';

  const summary = typeof fields.summary === 'string' ? fields.summary : '';
  if (summary.trim() === '') errors.summary = 'You must specify a summary of the issue.';
  else if (summary.length > 255) errors.summary = 'Summary must be less than 255 characters.';
  else if (/[\r\n]/.test(summary)) errors.summary = "Field 'summary' cannot contain newline characters.";

  const issueType = isRecord(fields.issuetype) && typeof fields.issuetype.name === 'string' ? fields.issuetype.name : '';
  if (!(ISSUE_TYPES as readonly string[]).includes(issueType)) errors.issuetype = 'valid issue type is required';

  if (fields.description !== undefined && !isAdfDocument(fields.description)) {
    errors.description = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
  }

  const labels = fields.labels ?? [];
  if (!Array.isArray(labels) || !labels.every((label) => typeof label === 'string')) {
    errors.labels = 'data was not an array';
  } else {
    const spaced = labels.find((label) => /\s/.test(label));
    const tooLong = labels.find((label) => label.length > 255);
    if (spaced !== undefined) errors.labels = `The label '${spaced}' contains spaces which is invalid.`;
    else if (tooLong !== undefined) errors.labels = 'The label must not exceed 255 characters.';
    else if (labels.includes('')) errors.labels = 'The label must not be empty.';
  }

  if (Object.keys(errors).length > 0) return { errors };
  return { fields: { projectKey, summary, description: fields.description, issueType, labels: labels as string[] } };
}

function isAdfDocument(value: unknown): boolean {
  return isRecord(value) && value.type === 'doc' && value.version === 1 && Array.isArray(value.content);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
