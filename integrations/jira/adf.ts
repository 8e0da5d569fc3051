/** The slice of the Atlassian Document Format we write: paragraphs of plain text. */
export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: AdfParagraph[];
}

export interface AdfParagraph {
  type: 'paragraph';
  content: { type: 'text'; text: string }[];
}

/** Jira Cloud v3 takes descriptions only as ADF; each non-empty line becomes a paragraph (ADF forbids empty text nodes). */
export function toAdfDocument(text: string): AdfDocument {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  return {
    type: 'doc',
    version: 1,
    content: lines.map((line) => ({ type: 'paragraph', content: [{ type: 'text', text: line }] })),
  };
}
