import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { findRobotDeclaration } from '../../../contracts/robot-declarations.js';
import type { IngressServices } from '../../deps.js';
import { toRobotCall } from '../../delivery-mapping.js';
import { ApiError, apiErrors } from '../../errors.js';
import { parseBody, toIssues } from '../../schemas/parse.js';
import { robotCallBodySchema, type RobotCallBody } from '../../schemas/robot-call.js';
import { robotPropertiesSchema } from '../../schemas/robot-properties.js';
import { verifySender } from '../../sender-verification.js';

/**
 * An authentic call we cannot serve is still answered through Bitrix24: it never re-sends a robot call, and a call
 * left unanswered keeps its business process waiting (forever with timeout_duration 0). The refusal is recorded in
 * Temporal before the HTTP answer, which still names the problem.
 */
async function answerThroughBitrix24(
  services: IngressServices,
  body: RobotCallBody,
  problem: ApiError,
  log: FastifyBaseLogger,
): Promise<ApiError> {
  // With use_subscription=N nothing waits for an answer.
  if (body.use_subscription !== 'Y') return problem;
  const reason = problem.message;
  const { workflowId, duplicate } = await services.workflows.refuseRobotCall({
    memberId: body.auth.member_id,
    robotCode: body.code,
    eventToken: body.event_token,
    documentId: body.document_id,
    reason,
  });
  log.warn({ memberId: body.auth.member_id, robotCode: body.code, workflowId, duplicate }, 'robot call refused; the business process is answered with the error');
  return new ApiError(problem.statusCode, problem.code, `${reason}; the business process was answered with this error`, problem.issues);
}

/** Robot and BP-activity handler calls: 200 only once Temporal holds the workflow. */
const bizprocRoutes: FastifyPluginAsync<IngressServices> = async (app, services) => {
  app.post('/bitrix24/bizproc', async (request) => {
    const body = parseBody(robotCallBodySchema, request.body);
    await verifySender(services.portals, body.auth, request.log);

    const declaration = findRobotDeclaration(body.code);
    if (!declaration) {
      request.log.warn({ memberId: body.auth.member_id, robotCode: body.code }, 'call for an undeclared robot code');
      throw await answerThroughBitrix24(services, body, apiErrors.unknownRobot(body.code), request.log);
    }
    const properties = robotPropertiesSchema(declaration).safeParse(body.properties);
    if (!properties.success) {
      const problem = apiErrors.validationFailed(toIssues(properties.error.issues, ['properties']));
      throw await answerThroughBitrix24(services, body, problem, request.log);
    }

    const call = toRobotCall(body, properties.data);
    const { workflowId, duplicate } = await services.workflows.startRobot(declaration, call);
    // The access line (api/plugins/metrics.ts) carries the workflow id, which names the robot and the portal.
    request.log.debug({ memberId: call.memberId, robotCode: call.robotCode, workflowId, duplicate }, 'robot call accepted');
    return { status: 'accepted', workflowId, duplicate };
  });
};

export default bizprocRoutes;
