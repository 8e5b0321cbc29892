/**
 * The SNS side of push sync: platform endpoints and publishes, made with the pool's push sync role
 * (assumed with STS: adapters/aws/role-credentials.ts), in the region of the application's ARN.
 *
 * `ensureEndpoint` is SNS's own guidance for keeping an endpoint right ("Best practices for managing
 * mobile platform endpoints"): create it (CreatePlatformEndpoint is idempotent for the same token
 * and attributes); if SNS answers that the token's endpoint exists with other attributes, take that
 * endpoint's ARN from the message; then read it, and if its token differs or it is disabled, set the
 * token and `Enabled: true`; if it no longer exists, create it again.
 */
import {
  CreatePlatformEndpointCommand,
  DeleteEndpointCommand,
  GetEndpointAttributesCommand,
  PublishCommand,
  SetEndpointAttributesCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import type { PlatformEndpoints, PublishOutcome, PushRole } from '../../domain/push/ports';
import { regionOfSnsArn } from '../../domain/push/platforms';
import type { RoleCredentials } from '../aws/role-credentials';
import { snsErrorName, toSyncError } from './sns-errors';

/** The session name the role's CloudTrail entries show. */
export const PUSH_SESSION_NAME = 'cognito-sync-push';

/** "... Endpoint <arn> already exists with the same Token, but different attributes." (SNS, and moto alike.) */
const EXISTING_ENDPOINT = /Endpoint (arn:\S+) already exists with the same [Tt]oken/;

const isNotFound = (e: unknown): boolean => ['NotFound', 'NotFoundException'].includes(snsErrorName(e) ?? '');

export interface SnsPlatformEndpointsSettings {
  readonly roles: RoleCredentials;
  /** The service's region, for ARNs that name none. */
  readonly region: string;
  /** SNS's endpoint: moto locally. Absent: AWS's regional endpoints. */
  readonly endpoint?: string;
}

export class SnsPlatformEndpoints implements PlatformEndpoints {
  /** One client per (region, role, pool): the role's credentials are cached by `roles`. */
  private readonly clients = new Map<string, SNSClient>();

  constructor(private readonly settings: SnsPlatformEndpointsSettings) {}

  async ensureEndpoint(role: PushRole, applicationArn: string, token: string, customUserData: string, knownEndpointArn?: string): Promise<string> {
    const sns = this.client(role, applicationArn);
    try {
      let endpointArn = knownEndpointArn ?? (await this.create(sns, applicationArn, token, customUserData));
      let attributes = await this.attributes(sns, endpointArn);
      if (!attributes) {
        // Deleted since (by its owner, or by us after SNS disabled it): a new one for the token.
        endpointArn = await this.create(sns, applicationArn, token, customUserData);
        attributes = await this.attributes(sns, endpointArn);
      }
      if (!attributes || attributes.Token !== token || attributes.Enabled !== 'true' || attributes.CustomUserData !== customUserData) {
        await sns.send(
          new SetEndpointAttributesCommand({ EndpointArn: endpointArn, Attributes: { Token: token, Enabled: 'true', CustomUserData: customUserData } }),
        );
      }
      return endpointArn;
    } catch (e) {
      throw toSyncError(e, 'the device endpoint');
    }
  }

  async publish(role: PushRole, endpointArn: string, message: string): Promise<PublishOutcome> {
    try {
      await this.client(role, endpointArn).send(new PublishCommand({ TargetArn: endpointArn, MessageStructure: 'json', Message: message }));
      return 'delivered';
    } catch (e) {
      const name = snsErrorName(e);
      if (name === 'EndpointDisabled' || name === 'EndpointDisabledException') return 'disabled';
      if (isNotFound(e)) return 'gone';
      throw toSyncError(e, 'a push');
    }
  }

  async deleteEndpoint(role: PushRole, endpointArn: string): Promise<void> {
    try {
      await this.client(role, endpointArn).send(new DeleteEndpointCommand({ EndpointArn: endpointArn }));
    } catch (e) {
      throw toSyncError(e, 'deleting a disabled endpoint');
    }
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private async create(sns: SNSClient, applicationArn: string, token: string, customUserData: string): Promise<string> {
    try {
      const out = await sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: applicationArn, Token: token, CustomUserData: customUserData }));
      if (!out.EndpointArn) throw new Error('CreatePlatformEndpoint answered no EndpointArn');
      return out.EndpointArn;
    } catch (e) {
      const existing = EXISTING_ENDPOINT.exec((e as Error).message ?? '')?.[1];
      if (existing) return existing;
      throw e;
    }
  }

  /** The endpoint's attributes, or undefined when it does not exist. */
  private async attributes(sns: SNSClient, endpointArn: string): Promise<Record<string, string> | undefined> {
    try {
      return (await sns.send(new GetEndpointAttributesCommand({ EndpointArn: endpointArn }))).Attributes ?? {};
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private client(role: PushRole, arn: string): SNSClient {
    const region = regionOfSnsArn(arn) ?? this.settings.region;
    const key = [region, role.roleArn, role.identityPoolId].join('\n');
    let client = this.clients.get(key);
    if (!client) {
      client = new SNSClient({
        region,
        ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
        credentials: this.settings.roles.provider({ roleArn: role.roleArn, sessionName: PUSH_SESSION_NAME, externalId: role.identityPoolId }),
      });
      this.clients.set(key, client);
    }
    return client;
  }
}
