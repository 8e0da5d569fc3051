/**
 * `bizproc.workflow.instances` as a portal answers it (b24restdocs api-reference/bizproc/bizproc-workflow-instances.md):
 * the process named by `filter.ID` runs on `documentId` when `running` says so; otherwise the list is empty.
 */
export function workflowInstancesAnswer(
  params: Record<string, unknown>,
  documentId: [string, string, string],
  running: (workflowId: string) => boolean = () => true,
): Record<string, string>[] {
  const id = String((params.filter as Record<string, unknown> | undefined)?.ID ?? '');
  if (id === '' || !running(id)) return [];
  const [moduleId, entity, document] = documentId;
  return [{ ID: id, MODULE_ID: moduleId, ENTITY: entity, DOCUMENT_ID: document }];
}
