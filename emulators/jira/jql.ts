/** What the simulator understands of JQL: enough for "find the issue created for this deal". */
export interface JqlQuery {
  labels: string[];
  projects: string[];
  order: 'ASC' | 'DESC';
}

export class JqlError extends Error {
  override readonly name = 'JqlError';
}

const CLAUSE = /^(labels|project)\s*=\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9_.-]+)\s*/i;
const AND = /^AND\s+/i;
const ORDER_BY = /^ORDER\s+BY\s+(created|key|id)(?:\s+(ASC|DESC))?\s*$/i;

/**
 * Parses `labels = "x"`, `project = KEY` and their conjunctions, optionally followed by `ORDER BY created|key|id
 * [ASC|DESC]`. Anything else is a JQL error, as it would be for a field the site does not have.
 */
export function parseJql(jql: string): JqlQuery {
  const query: JqlQuery = { labels: [], projects: [], order: 'ASC' };
  let rest = jql.trim();
  while (rest !== '') {
    const clause = CLAUSE.exec(rest);
    if (!clause) break;
    const field = (clause[1] ?? '').toLowerCase();
    const value = unquote(clause[2] ?? '');
    (field === 'labels' ? query.labels : query.projects).push(value);
    rest = rest.slice(clause[0].length);
    const and = AND.exec(rest);
    if (!and) break;
    rest = rest.slice(and[0].length);
  }
  if (rest !== '') {
    const order = ORDER_BY.exec(rest);
    if (!order) throw new JqlError(`Error in the JQL Query: the simulator understands only labels = "x" AND project = KEY, near '${rest.slice(0, 40)}'.`);
    query.order = (order[2] ?? 'ASC').toUpperCase() === 'DESC' ? 'DESC' : 'ASC';
  }
  if (query.labels.length === 0 && query.projects.length === 0) {
    throw new JqlError('Unbounded JQL queries are not allowed here. Please add a search restriction to your query.');
  }
  return query;
}

function unquote(token: string): string {
  return token.startsWith('"') ? token.slice(1, -1).replace(/\\(.)/g, '$1') : token;
}
