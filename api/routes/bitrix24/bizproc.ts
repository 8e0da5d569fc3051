import type { FastifyPluginAsync } from 'fastify';
import { findRobotDeclaration } from '../../../contracts/robot-declarations.js';
import type { IngressServices } from '../../deps.js';
import { toRobotCall } from '../../delivery-mapping.js';
import { apiErrors } from '../../errors.js';
import { parseBody, toIssues } from '../../schemas/parse.js';
import { robotCallBodySchema } from '../../schemas/robot-call.js';
import { robotPropertiesSchema } from '../../schemas/robot-properties.js';
import { verifySender } from '../../sender-verification.js';

/** Robot and BP-activity handler calls (bitrix24-protocol.md 1): 200 only once Temporal holds the workflow. */
const bizprocRoutes: FastifyPluginAsync<IngressServices> = async (app, services) => {
  app.post('/bitrix24/bizproc', async (request) => {
    const body = parseBody(robotCallBodySchema, request.body);
    await verifySender(services.portals, body.auth, request.log);

    const declaration = findRobotDeclaration(body.code);
    if (!declaration) {
      request.log.warn({ memberId: body.auth.member_id, robotCode: body.code }, 'call for an undeclared robot code');
      throw apiErrors.unknownRobot(body.code);
    }
    const properties = robotPropertiesSchema(declaration).safeParse(body.properties);
    if (!properties.success) throw apiErrors.validationFailed(toIssues(properties.error.issues, ['properties']));

    const call = toRobotCall(body, properties.data);
    const { workflowId, duplicate } = await services.workflows.startRobot(declaration, call);
    request.log.info({ memberId: call.memberId, robotCode: call.robotCode, workflowId, duplicate }, 'robot call accepted');
    return { status: 'accepted', workflowId, duplicate };
  });
};

export default bizprocRoutes;
