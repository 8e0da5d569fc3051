import type { FastifyInstance } from 'fastify';
import { RestError } from './errors.js';
import { parseForm } from './form-parsing.js';

/** JSON (empty body allowed), PHP-bracket forms, and anything else read as a form, like PHP's $_REQUEST. */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new RestError(400, 'INVALID_REQUEST', 'Invalid JSON body'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseForm(String(body)));
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseForm(String(body)));
  });
}

export function queryOf(url: string): Record<string, unknown> {
  const question = url.indexOf('?');
  return question < 0 ? {} : parseForm(url.slice(question + 1));
}
