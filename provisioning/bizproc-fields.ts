import type { PropertyDeclaration, PropertyType, RobotDeclaration } from '../contracts/robot-declarations.js';

export type LocalizedText = Readonly<Record<string, string>>;
export type YesNo = 'Y' | 'N';

/** One PROPERTIES / RETURN_PROPERTIES entry as bizproc.robot.add takes it (bitrix24-protocol.md 3.1). */
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
  };
}
