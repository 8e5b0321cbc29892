/**
 * The silent push each platform gets (docs/behaviour.md#push-sync), byte for byte, and which
 * configured application serves a platform.
 */
import { describe, expect, it } from 'vitest';
import { snsMessage } from '../../lambdas/src/domain/push/payload';
import { applicationFor, platformOfApplication } from '../../lambdas/src/domain/push/platforms';

const update = { identityPoolId: 'us-east-1:pool', identityId: 'us-east-1:identity', datasetName: 'settings', syncCount: 12 };
const data = { source: 'cognito-sync', identityPoolId: 'us-east-1:pool', identityId: 'us-east-1:identity', datasetName: 'settings', syncCount: '12' };

describe('snsMessage', () => {
  it.each(['GCM', 'ADM'] as const)('%s: {"data":{...}} with every value a string, as Android reads intent extras', (platform) => {
    const message = JSON.parse(snsMessage(platform, update));
    expect(Object.keys(message).sort()).toEqual([platform, 'default'].sort());
    expect(message[platform]).toBe(
      '{"data":{"source":"cognito-sync","identityPoolId":"us-east-1:pool","identityId":"us-east-1:identity","datasetName":"settings","syncCount":"12"}}',
    );
    expect(JSON.parse(message.default)).toStrictEqual(data);
  });

  it.each(['APNS', 'APNS_SANDBOX'] as const)('%s: a content-available background push with the data beside aps', (platform) => {
    const message = JSON.parse(snsMessage(platform, update));
    expect(JSON.parse(message[platform])).toStrictEqual({ aps: { 'content-available': 1 }, data });
    expect(message[platform]).toBe(
      '{"aps":{"content-available":1},"data":{"source":"cognito-sync","identityPoolId":"us-east-1:pool","identityId":"us-east-1:identity","datasetName":"settings","syncCount":"12"}}',
    );
  });
});

describe('applicationFor', () => {
  const arns = [
    'arn:aws:sns:us-east-1:123456789012:app/APNS_SANDBOX/dev',
    'arn:aws:sns:us-east-1:123456789012:app/APNS/prod',
    'arn:aws:sns:eu-west-1:123456789012:app/GCM/android',
  ];

  it('takes the application whose ARN names exactly the platform', () => {
    expect(applicationFor('APNS', arns)).toBe(arns[1]);
    expect(applicationFor('APNS_SANDBOX', arns)).toBe(arns[0]);
    expect(applicationFor('GCM', arns)).toBe(arns[2]);
    expect(applicationFor('ADM', arns)).toBeUndefined();
  });

  it('reads the platform segment of an application ARN only', () => {
    expect(platformOfApplication('arn:aws:sns:us-east-1:123456789012:app/ADM/kindle')).toBe('ADM');
    expect(platformOfApplication('arn:aws:sns:us-east-1:123456789012:endpoint/GCM/android/1234')).toBeUndefined();
    expect(platformOfApplication('arn:aws:sns:us-east-1:123456789012:mytopic')).toBeUndefined();
  });
});
