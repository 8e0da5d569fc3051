import type { PropertyDeclaration, PropertyType, RobotDeclaration } from '../contracts/robot-declarations.js';

export type LocalizedText = Readonly<Record<string, string>>;
export type YesNo = 'Y' | 'N';

/** One PROPERTIES / RETURN_PROPERTIES entry as bizproc.robot.add takes it (bizproc-robot-add.md). */
export interface BizprocProperty {
  Name: LocalizedText;
  Description?: LocalizedText;
  Type: PropertyType;
  Required: YesNo;
  Multiple: YesNo;
  Options?: Readonly<Record<string, string>>;
  Default?: string;
}

/** The fields of bizproc.robot.add / bizproc.activity.add besides CODE; also the FIELDS of `.update`. */
export interface BizprocFields {
  HANDLER: string;
  AUTH_USER_ID: number;
  /** '' is accepted so warnings.ts can judge hand-written declarations; ours are always explicit. */
  USE_SUBSCRIPTION: YesNo | '';
  NAME: LocalizedText;
  DESCRIPTION: LocalizedText;
  PROPERTIES: Record<string, BizprocProperty>;
  RETURN_PROPERTIES: Record<string, BizprocProperty>;
  DOCUMENT_TYPE?: readonly [string, string, string];
  /** Where the designer offers the robot; absent = every document type (bizproc-robot-add.md `FILTER`). */
  FILTER?: RobotFilter;
}

/** `{INCLUDE: [['crm', 'CCrmDocumentDeal']]}`: shown only for documents of that module and class. */
export interface RobotFilter {
  INCLUDE: (readonly [string, string])[];
}

/**
 * A robot declared for one document type is offered only there: without FILTER the designer lists it on leads and
 * smart processes too, where it cannot work (bizproc-robot-add.md: `FILTER.INCLUDE` rules in partial form).
 */
function filterFor(documentType: readonly [string, string, string] | undefined): RobotFilter | undefined {
  if (documentType === undefined) return undefined;
  return { INCLUDE: [[documentType[0], documentType[1]]] };
}

function yesNo(flag: boolean | undefined): YesNo {
  return flag === true ? 'Y' : 'N';
}

function toProperty(property: PropertyDeclaration): BizprocProperty {
  return {
    Name: property.name,
    ...(property.description === undefined ? {} : { Description: property.description }),
    Type: property.type,
    Required: yesNo(property.required),
    Multiple: yesNo(property.multiple),
    ...(property.options === undefined ? {} : { Options: property.options }),
    ...(property.default === undefined ? {} : { Default: property.default }),
  };
}

function toProperties(properties: Record<string, PropertyDeclaration>): Record<string, BizprocProperty> {
  return Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, toProperty(property)]));
}

export function bizprocFields(robot: RobotDeclaration, target: { handler: string; authUserId: number }): BizprocFields {
  return {
    HANDLER: target.handler,
    AUTH_USER_ID: target.authUserId,
    USE_SUBSCRIPTION: robot.useSubscription ? 'Y' : 'N',
    NAME: robot.name,
    DESCRIPTION: robot.description,
    PROPERTIES: toProperties(robot.properties),
    RETURN_PROPERTIES: toProperties(robot.returnProperties),
    ...(robot.documentType === undefined ? {} : { DOCUMENT_TYPE: robot.documentType }),
    ...(robot.kind === 'robot' && robot.documentType !== undefined ? { FILTER: filterFor(robot.documentType) } : {}),
  };
}
