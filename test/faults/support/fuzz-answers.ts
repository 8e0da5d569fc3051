import type { FuzzCase, FuzzRoute, Outcome } from './fuzz-cases.js';

/** What a case got back, read the way its sender would: the error code and message, or the run it started. */
export interface Answer {
  status: number;
  text: string;
  code?: string;
  message?: string;
  workflowId?: string;
}

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_match, code: string) => String.fromCharCode(Number(code))).replace(/<[^>]*>/g, '').trim();
}

export function readAnswer(status: number, contentType: string, text: string): Answer {
  if (contentType.includes('json')) {
    try {
      const body = JSON.parse(text) as { error?: unknown; message?: unknown; workflowId?: unknown };
      return {
        status,
        text,
        ...(typeof body.error === 'string' ? { code: body.error } : {}),
        ...(typeof body.message === 'string' ? { message: body.message } : {}),
        ...(typeof body.workflowId === 'string' ? { workflowId: body.workflowId } : {}),
      };
    } catch {
      return { status, text };
    }
  }
  if (contentType.includes('html')) {
    // The runs tab's and the install page's refusals: the alert says what is wrong, the heading what kind of refusal.
    const alert = /role="alert"[^>]*>([\s\S]*?)<\//.exec(text)?.[1];
    const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(text)?.[1];
    const message = decodeEntities(alert ?? heading ?? '');
    return { status, text, ...(message === '' ? {} : { message }) };
  }
  return { status, text, ...(text.trim() === '' ? {} : { message: text.trim() }) };
}

/** The error catalogue's codes of the runs tab's HTML answers are not in the page: its status says which refusal it is. */
function matches(outcome: Outcome, answer: Answer, html: boolean): boolean {
  if (outcome.status !== answer.status) return false;
  if (outcome.code !== undefined && !html && outcome.code !== answer.code) return false;
  if (outcome.message !== undefined && !outcome.message.test(answer.message ?? answer.text)) return false;
  return true;
}

/** Null when the answer is one the route may give to this case, else why not. */
export function judge(route: FuzzRoute, fuzz: FuzzCase, answer: Answer, contentType: string): string | null {
  if (answer.status >= 500) return `a server error (${answer.status})`;
  const html = contentType.includes('html');
  // A HEAD answer has no body: its status is all there is to judge.
  if (fuzz.method === 'HEAD') return route.expected.some((outcome) => outcome.status === answer.status) ? null : `an answer this route never gives (${answer.status})`;
  if (!route.expected.some((outcome) => matches(outcome, answer, html))) return `an answer this route never gives (${answer.status} ${answer.code ?? ''})`;
  if (answer.status >= 400 && fuzz.method !== 'HEAD' && (answer.message ?? '').length === 0) return 'a refusal that names no problem';
  return null;
}

const PARSER_REFUSALS = /request body is empty|not valid JSON|percent-encoding|limit of \d+|forbidden key|unsupported media type/;

/**
 * Whether a case got past authentication and body parsing to the route's own checks: it carried the real
 * credentials, and was neither refused as unreadable (413, 415, a body the parser could not read) nor as not
 * authenticated (401).
 */
export function reachedValidation(fuzz: FuzzCase, answer: Answer): boolean {
  if (!fuzz.validCredentials) return false;
  if (answer.status === 401 || answer.status === 413 || answer.status === 415) return false;
  // HTML refusals (the runs tab's pages) carry no code; their message says it.
  return !(answer.status === 400 && (answer.code ?? 'BAD_REQUEST') === 'BAD_REQUEST' && PARSER_REFUSALS.test(answer.message ?? ''));
}
