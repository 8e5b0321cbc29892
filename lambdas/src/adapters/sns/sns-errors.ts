/**
 * SNS's and STS's refusals in the service model's words, so that RegisterDevice never answers a 500
 * for what is the pool's configuration or the device's token (docs/behaviour.md#push-sync):
 *
 * | SNS / STS says                                                  | the client gets                  |
 * |-----------------------------------------------------------------|----------------------------------|
 * | the role cannot be assumed; AuthorizationError, the application is gone or disabled (NotFound, PlatformApplicationDisabled), KMS errors | `InvalidConfigurationException` |
 * | InvalidParameter (say, a token the platform refuses)            | `InvalidParameterException`      |
 * | Throttled, throttling, 429                                      | `TooManyRequestsException`       |
 * | anything else (an outage, the network)                          | `InternalErrorException`         |
 */
import { Errors, type SyncError } from '../../errors';
import { RoleAssumptionError } from '../aws/role-credentials';

const CONFIGURATION = new Set([
  'AuthorizationError',
  'AuthorizationErrorException',
  'NotFound',
  'NotFoundException',
  'PlatformApplicationDisabled',
  'PlatformApplicationDisabledException',
  'KMSAccessDenied',
  'KMSAccessDeniedException',
  'KMSDisabled',
  'KMSDisabledException',
  'KMSInvalidState',
  'KMSInvalidStateException',
  'KMSNotFound',
  'KMSNotFoundException',
  'InvalidSecurity',
  'InvalidSecurityException',
  'AccessDenied',
  'AccessDeniedException',
]);
const PARAMETER = new Set(['InvalidParameter', 'InvalidParameterException', 'InvalidParameterValue', 'InvalidParameterValueException']);
const THROTTLING = new Set(['Throttled', 'ThrottledException', 'Throttling', 'ThrottlingException', 'TooManyRequestsException']);

interface AwsFailure {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export const snsErrorName = (e: unknown): string | undefined => (e as AwsFailure | undefined)?.name;

export function toSyncError(e: unknown, what: string): SyncError {
  if (e instanceof RoleAssumptionError) {
    if (e.throttled) return Errors.tooManyRequests(`STS throttled assuming the push sync role: ${e.code}.`, { cause: e });
    if (e.refused) return Errors.invalidConfiguration(`The push sync role ${e.roleArn} could not be assumed: ${e.code}.`, { cause: e });
    return Errors.internal(`STS could not be reached to assume the push sync role: ${e.code}.`, { cause: e });
  }
  const failure = e as AwsFailure;
  const name = failure.name ?? '';
  const status = failure.$metadata?.httpStatusCode;
  if (THROTTLING.has(name) || status === 429) return Errors.tooManyRequests(`SNS throttled ${what}.`, { cause: e });
  if (CONFIGURATION.has(name) || status === 403) {
    return Errors.invalidConfiguration(`SNS refused ${what} with the pool's push sync configuration: ${name}: ${failure.message ?? ''}`.trim(), { cause: e });
  }
  if (PARAMETER.has(name)) return Errors.invalidParameter(`SNS refused ${what}: ${failure.message ?? name}`, { cause: e });
  return Errors.internal(`SNS failed ${what}: ${name || 'no answer'}.`, { cause: e });
}
