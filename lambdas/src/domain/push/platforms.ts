/**
 * Which configured SNS platform application serves a device's platform: the one whose ARN's
 * resource is `app/<PLATFORM>/<name>` with exactly that platform (APNS and APNS_SANDBOX are apart,
 * as SNS keeps them: a sandbox token is refused by the production gateway and the other way round).
 */
import type { PushPlatform } from './model';

const APPLICATION_RESOURCE = /^arn:[^:]+:sns:[^:]+:[^:]*:app\/([^/]+)\/.+$/;

/** The platform segment of a platform application ARN, or undefined when it is not one. */
export function platformOfApplication(applicationArn: string): string | undefined {
  return APPLICATION_RESOURCE.exec(applicationArn)?.[1];
}

export function applicationFor(platform: PushPlatform, applicationArns: readonly string[]): string | undefined {
  return applicationArns.find((arn) => platformOfApplication(arn) === platform);
}

/** The region of an SNS ARN: its endpoints are called there, whatever the service's own region. */
export function regionOfSnsArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/** The platform segment of an endpoint ARN (`endpoint/<PLATFORM>/<app>/<id>`). */
export function platformOfEndpoint(endpointArn: string): string | undefined {
  return /:endpoint\/([^/]+)\//.exec(endpointArn)?.[1];
}
