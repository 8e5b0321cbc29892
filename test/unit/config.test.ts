/**
 * `loadConfig(env)` (lambdas/src/config.ts), the one reader of the environment: what each variable
 * becomes, the defaults, and that it reads only the variables it is given.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/src/config';

describe('loadConfig', () => {
  it('reads only what it is given: nothing of process.env, defaults for the rest, no throw without a table', () => {
    // vitest.config.ts sets a developer in process.env; an empty set of variables has none.
    expect(process.env.SYNC_DEVELOPER_PRINCIPALS).toBeTruthy();
    expect(loadConfig({})).toEqual({
      region: 'us-east-1',
      awsEndpoint: undefined,
      dropIn: { keyTable: undefined, kmsKeyId: undefined, upstreamEndpoint: undefined },
      streams: { payloadBucket: undefined, bulkPublishFunction: undefined },
      storage: { tableName: undefined, dynamodbEndpoint: undefined, singleItemMaxBytes: 16384 },
      tokenKey: { hex: undefined, secretArn: undefined },
      callers: { developerPrincipals: [], identityRoleNames: [] },
      cors: { allowOrigins: [] },
      observability: { enabled: false, serviceName: 'open-cognito-sync', metricsNamespace: 'OpenCognitoSync', tracing: true },
    });
  });

  it('maps each variable to its field, trimmed; an empty value is unset', () => {
    const config = loadConfig({
      AWS_REGION: ' eu-west-1 ',
      SYNC_TABLE_NAME: 'sync',
      DYNAMODB_ENDPOINT: '',
      SYNC_TOKEN_KEY: 'ab',
      SYNC_TOKEN_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:k',
      SYNC_DEVELOPER_PRINCIPALS: 'arn:a, arn:b ,',
      SYNC_IDENTITY_ROLE_NAMES: 'Auth,Unauth',
      SYNC_CORS_ALLOW_ORIGINS: 'https://app.example.test',
      POWERTOOLS_SERVICE_NAME: 'svc',
      POWERTOOLS_METRICS_NAMESPACE: '  ',
      SYNC_SINGLE_ITEM_MAX_BYTES: ' 4096 ',
    });
    expect(config.region).toBe('eu-west-1');
    expect(config.storage).toEqual({ tableName: 'sync', dynamodbEndpoint: undefined, singleItemMaxBytes: 4096 });
    expect(config.tokenKey).toEqual({ hex: 'ab', secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:k' });
    expect(config.callers).toEqual({ developerPrincipals: ['arn:a', 'arn:b'], identityRoleNames: ['Auth', 'Unauth'] });
    expect(config.cors.allowOrigins).toEqual(['https://app.example.test']);
    expect(config.observability.serviceName).toBe('svc');
    expect(config.observability.metricsNamespace).toBe('OpenCognitoSync');
    expect(
      loadConfig({ SYNC_DROP_IN_KEY_TABLE: ' keys ', SYNC_DROP_IN_KMS_KEY_ID: 'alias/k', SYNC_DROP_IN_UPSTREAM: 'https://ci.example.test/' }).dropIn,
    ).toEqual({ keyTable: 'keys', kmsKeyId: 'alias/k', upstreamEndpoint: 'https://ci.example.test/' });
  });

  it('single-item threshold: 0 forces the per-record layout; a negative, fractional, non-numeric or over-300 KB value is the default', () => {
    const threshold = (value: string) => loadConfig({ SYNC_SINGLE_ITEM_MAX_BYTES: value }).storage.singleItemMaxBytes;
    expect(threshold('0')).toBe(0);
    expect(threshold('65536')).toBe(65536);
    for (const bad of ['-1', '1.5', 'lots', '307201']) expect(threshold(bad)).toBe(16384);
  });

  it('observability: on in Lambda or when asked, off when told, whatever else; tracing off only when told', () => {
    const enabled = (env: Record<string, string>) => loadConfig(env).observability.enabled;
    expect(enabled({ AWS_LAMBDA_FUNCTION_NAME: 'f' })).toBe(true);
    expect(enabled({ SYNC_OBSERVABILITY: 'ON' })).toBe(true);
    expect(enabled({ AWS_LAMBDA_FUNCTION_NAME: 'f', SYNC_OBSERVABILITY: 'off' })).toBe(false);
    expect(enabled({})).toBe(false);
    expect(loadConfig({ POWERTOOLS_TRACE_ENABLED: 'false' }).observability.tracing).toBe(false);
    expect(loadConfig({ POWERTOOLS_TRACE_ENABLED: 'true' }).observability.tracing).toBe(true);
  });

  it('is frozen, all the way down', () => {
    const config = loadConfig({ SYNC_DEVELOPER_PRINCIPALS: 'arn:a' });
    expect(Object.isFrozen(config)).toBe(true);
    for (const part of [config.storage, config.tokenKey, config.callers, config.callers.developerPrincipals, config.cors, config.observability]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
  });
});
