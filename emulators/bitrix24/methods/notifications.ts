import { restErrors } from '../errors.js';
import type { MethodContext, MethodTable } from '../method-types.js';
import { asInt, asString, paramCI, type Params } from '../params.js';

/** Error texts as in b24restdocs api-reference/chats/notifications/im-notify-system-add.md. */
function addNotification(kind: 'system' | 'personal') {
  return (params: Params, ctx: MethodContext) => {
    const userId = asInt(paramCI(params, 'USER_ID'));
    if (!userId) throw restErrors.validation('USER_ID_EMPTY', "User ID can't be empty");
    const message = asString(paramCI(params, 'MESSAGE'));
    if (!message) throw restErrors.validation('MESSAGE_EMPTY', "Message can't be empty");
    const attach = paramCI(params, 'ATTACH');
    if (attach !== undefined && JSON.stringify(attach).length > 60_000) {
      throw restErrors.validation('ATTACH_OVERSIZE', 'You have exceeded the maximum allowable size of attach');
    }
    const id = ctx.state.nextId('notification');
    const tag = asString(paramCI(params, 'TAG'));
    ctx.state.notifications.push({ id, userId, message, kind, fromUserId: ctx.caller.userId, ...(tag ? { tag } : {}) });
    return { result: id };
  };
}

export const notificationMethods: MethodTable = {
  'im.notify.system.add': { handler: addNotification('system') },
  'im.notify.personal.add': { handler: addNotification('personal') },
};
