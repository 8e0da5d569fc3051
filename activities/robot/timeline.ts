import { Context } from '@temporalio/activity';
import { isBitrix24ErrorCode, type Bitrix24Caller } from '../../integrations/bitrix24/caller.js';

export interface TimelineLineInput {
  memberId: string;
  entityTypeId: number;
  entityId: number;
  title: string;
  text: string;
  /** Unique per run and contained in `text` (the run id): a retried attempt finds the line it already wrote. */
  marker: string;
}

type LogEntry = { text?: unknown };

/**
 * The entries of one `crm.timeline.logmessage.list` page. The docs' "Returned Data" has `result` itself as the list
 * (crm/timeline/logmessage/crm-timeline-logmessage-list.md); other D7 lists wrap rows in a named key, so both are read.
 */
export function logEntriesOf(result: unknown): LogEntry[] {
  if (Array.isArray(result)) return result as LogEntry[];
  if (typeof result === 'object' && result !== null) {
    const wrapped = (result as { logMessages?: unknown }).logMessages;
    if (Array.isArray(wrapped)) return wrapped as LogEntry[];
  }
  return [];
}

/** Newest log entries searched for the marker; `crm.timeline.logmessage.list` pages hold 10, newest first. */
const PAGES_SEARCHED = 3;
const PAGE_SIZE = 10;

/**
 * One line on a CRM item's timeline (`crm.timeline.logmessage.add`) when a run finishes. Idempotent per run: before
 * adding, the newest log entries (`crm.timeline.logmessage.list`, only app-added entries are listed) are searched for
 * the run's marker, so an attempt retried after a lost answer adds nothing. A portal without the list method degrades
 * to at-least-once.
 */
export function timelineWriter(deps: { bitrix24: Bitrix24Caller }) {
  async function alreadyWritten(input: TimelineLineInput, signal: AbortSignal): Promise<boolean> {
    for (let page = 0; page < PAGES_SEARCHED; page += 1) {
      let answer;
      try {
        answer = await deps.bitrix24.callRaw<unknown>(
          input.memberId,
          'crm.timeline.logmessage.list',
          { entityTypeId: input.entityTypeId, entityId: input.entityId, start: page * PAGE_SIZE },
          { signal },
        );
      } catch (error) {
        if (isBitrix24ErrorCode(error, 'ERROR_METHOD_NOT_FOUND')) return false;
        throw error;
      }
      const entries = logEntriesOf(answer.result);
      if (entries.some((entry) => typeof entry.text === 'string' && entry.text.includes(input.marker))) return true;
      if (answer.next === undefined || entries.length < PAGE_SIZE) return false;
    }
    return false;
  }

  /** Adds the line unless `searchFirst` finds it already there; true when this call added it. */
  async function writeLineOnce(input: TimelineLineInput, options: { searchFirst: boolean; signal: AbortSignal }): Promise<boolean> {
    const { signal } = options;
    if (options.searchFirst && (await alreadyWritten(input, signal))) return false;
    await deps.bitrix24.call(
      input.memberId,
      'crm.timeline.logmessage.add',
      { fields: { entityTypeId: input.entityTypeId, entityId: input.entityId, title: input.title, text: input.text, iconCode: 'info' } },
      { signal },
    );
    return true;
  }

  return { writeLineOnce };
}

export function createTimelineActivities(deps: { bitrix24: Bitrix24Caller }) {
  const { writeLineOnce } = timelineWriter(deps);
  return {
    async writeTimelineLine(input: TimelineLineInput): Promise<{ written: boolean }> {
      const { cancellationSignal: signal, info } = Context.current();
      // Only a retried attempt can find its own line: the first attempt spends no request on the search.
      return { written: await writeLineOnce(input, { searchFirst: info.attempt > 1, signal }) };
    },
  };
}
