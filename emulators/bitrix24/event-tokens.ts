import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomChars(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

export interface EventTokenParts {
  bizprocWorkflowId: string;
  activityName: string;
  eventId: string;
}

/** `workflow_id` shaped like Bitrix24's (`55c1dc1c3f0d75.78875596`). */
export function newBizprocWorkflowId(): string {
  return `${randomBytes(7).toString('hex')}.${String(randomBytes(4).readUInt32BE() % 1e8).padStart(8, '0')}`;
}

/** Robot instance name in the BP template, shaped like `A51601_82584_96831_81132`. */
export function newActivityName(): string {
  const part = () => String(10000 + (randomBytes(2).readUInt16BE() % 90000));
  return `A${part()}_${part()}_${part()}_${part()}`;
}

/** Signs and checks `{workflowId}|{activityName}|{32 random chars}.{signature}`, as Bitrix24's Signer does. */
export class EventTokenSigner {
  private readonly key = randomBytes(32);

  issue(bizprocWorkflowId: string, activityName: string): string {
    const unsigned = `${bizprocWorkflowId}|${activityName}|${randomChars(32)}`;
    return `${unsigned}.${this.sign(unsigned)}`;
  }

  /** Null when the token is malformed or its signature does not match. */
  verify(token: string): EventTokenParts | null {
    const dot = token.lastIndexOf('.');
    if (dot < 0) return null;
    const unsigned = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.sign(unsigned));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const [bizprocWorkflowId, activityName, eventId] = unsigned.split('|');
    if (!bizprocWorkflowId || !activityName || !eventId) return null;
    return { bizprocWorkflowId, activityName, eventId };
  }

  private sign(value: string): string {
    return createHmac('sha256', this.key).update(`bizproc${value}`).digest('hex');
  }
}
