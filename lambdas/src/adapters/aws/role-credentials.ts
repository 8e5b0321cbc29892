/**
 * Credentials of a role a pool's configuration names (PushSync's and CognitoStreams' `RoleArn`),
 * obtained with STS AssumeRole and kept until shortly before they expire, so that a warm function
 * assumes each role once per hour or so, not once per request.
 *
 * Deployed, STS is called with the function's own credentials (its role needs `sts:AssumeRole` on
 * the configured roles, nothing else of SNS or Kinesis); locally, `endpoint` points at moto (or the
 * edge port, which forwards requests signed for `sts` to it), which accepts any credentials.
 *
 * ```ts
 * const roles = new RoleCredentials({ region, endpoint });
 * const sns = new SNSClient({ region, endpoint, credentials: roles.provider({ roleArn, sessionName: 'cognito-sync-push', externalId: poolId }) });
 * ```
 *
 * A refusal (the role does not exist, does not trust us, the external id does not match) is thrown as
 * a `RoleAssumptionError` with STS's error name, so that each caller maps it to its own model error
 * (a pool whose role cannot be assumed is a configuration problem, not a server failure). Failures
 * are never cached: the next call asks STS again.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** What to assume. Requests with the same three fields share one cached set of credentials. */
export interface RoleRequest {
  readonly roleArn: string;
  /** Shows in the role's CloudTrail entries: [\w+=,.@-]{2,64}. */
  readonly sessionName: string;
  /** Sent as `ExternalId`, for trust policies that require `sts:ExternalId` (the identity pool id). */
  readonly externalId?: string;
}

export interface RoleCredentialsSettings {
  readonly region: string;
  /** STS's endpoint: moto or the local edge port. Absent: AWS's regional STS endpoint. */
  readonly endpoint?: string;
  /**
   * Who calls STS. Absent: the SDK's default chain (the function's role) on AWS, and fixed dummy
   * credentials when `endpoint` is set (moto checks no signature).
   */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Credentials are renewed this long before they expire. Default 5 minutes. */
  readonly refreshMarginMs?: number;
  /** Default 3,600 s, STS's default and the most a role allows unless its maximum was raised. */
  readonly durationSeconds?: number;
  /** Milliseconds since the epoch; tests move it. */
  readonly now?: () => number;
  /** An STS client of one's own (tests); otherwise one is built from the settings above. */
  readonly sts?: STSClient;
}

/** STS did not hand out the role's credentials. */
export class RoleAssumptionError extends Error {
  override readonly name = 'RoleAssumptionError';

  constructor(
    readonly roleArn: string,
    /** STS's error name (`AccessDenied`, `Throttling`, `RegionDisabledException`...), or `NetworkError`. */
    readonly code: string,
    /** True when STS answered and said no (4xx other than throttling): asking again will not help. */
    readonly refused: boolean,
    /** True when STS asked us to slow down. */
    readonly throttled: boolean,
    options?: ErrorOptions,
  ) {
    super(`could not assume ${roleArn}: ${code}`, options);
  }
}

/** A dummy pair for an emulator (moto accepts any signature); a new object each time, since the SDK marks the ones it is given. */
export const emulatorCredentials = (): AwsCredentialIdentity => ({ accessKeyId: 'local', secretAccessKey: 'local' });

const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;
const DEFAULT_DURATION_SECONDS = 3600;
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);

interface CacheEntry {
  readonly credentials: Promise<AwsCredentialIdentity>;
  /** Known once STS answered; until then the pending promise is shared. */
  expiresAt?: number;
}

export class RoleCredentials {
  private readonly sts: STSClient;
  private readonly ownsClient: boolean;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly durationSeconds: number;

  constructor(settings: RoleCredentialsSettings) {
    this.now = settings.now ?? Date.now;
    this.refreshMarginMs = settings.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    this.durationSeconds = settings.durationSeconds ?? DEFAULT_DURATION_SECONDS;
    this.ownsClient = !settings.sts;
    this.sts =
      settings.sts ??
      new STSClient({
        region: settings.region,
        ...(settings.endpoint ? { endpoint: settings.endpoint, credentials: settings.credentials ?? emulatorCredentials() } : {}),
        ...(!settings.endpoint && settings.credentials ? { credentials: settings.credentials } : {}),
      });
  }

  /** The role's credentials: cached ones while they have more than the margin left, else fresh ones. */
  get(request: RoleRequest): Promise<AwsCredentialIdentity> {
    const key = [request.roleArn, request.sessionName, request.externalId ?? ''].join('\n');
    const cached = this.cache.get(key);
    if (cached && (cached.expiresAt === undefined || cached.expiresAt - this.refreshMarginMs > this.now())) return cached.credentials;
    const entry: CacheEntry = {
      credentials: this.assume(request).then(
        (credentials) => {
          entry.expiresAt = credentials.expiration?.getTime() ?? this.now() + this.durationSeconds * 1000;
          return credentials;
        },
        (e: unknown) => {
          // Never keep a failure: a role fixed a minute later must work a minute later.
          if (this.cache.get(key) === entry) this.cache.delete(key);
          throw e;
        },
      ),
    };
    this.cache.set(key, entry);
    return entry.credentials;
  }

  /** The same, as an SDK client's `credentials`. */
  provider(request: RoleRequest): AwsCredentialIdentityProvider {
    return () => this.get(request);
  }

  /** Forgets what is cached and releases the STS client (if this built it). */
  close(): void {
    this.cache.clear();
    if (this.ownsClient) this.sts.destroy();
  }

  private async assume(request: RoleRequest): Promise<AwsCredentialIdentity> {
    let c: AssumedCredentials | undefined;
    try {
      const out = await this.sts.send(
        new AssumeRoleCommand({
          RoleArn: request.roleArn,
          RoleSessionName: request.sessionName,
          ExternalId: request.externalId,
          DurationSeconds: this.durationSeconds,
        }),
      );
      c = out.Credentials;
    } catch (e) {
      throw roleAssumptionError(request.roleArn, e);
    }
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new RoleAssumptionError(request.roleArn, 'NoCredentials', false, false);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  }
}

interface AssumedCredentials {
  AccessKeyId?: string;
  SecretAccessKey?: string;
  SessionToken?: string;
  Expiration?: Date;
}

function roleAssumptionError(roleArn: string, e: unknown): RoleAssumptionError {
  const failure = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = failure.$metadata?.httpStatusCode;
  const code = status === undefined ? 'NetworkError' : (failure.name ?? 'UnknownError');
  const throttled = THROTTLING.has(code) || status === 429;
  const refused = status !== undefined && status >= 400 && status < 500 && !throttled;
  return new RoleAssumptionError(roleArn, code, refused, throttled, { cause: e });
}
