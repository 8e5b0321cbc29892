/**
 * moto keeps its state in memory; with a state file (the local endpoint's data dir) what the
 * service created there survives a restart, with the same ids: an SNS platform endpoint keeps its
 * ARN (the sync table refers to it), a Kinesis stream keeps its records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { CreatePlatformApplicationCommand, CreatePlatformEndpointCommand, ListEndpointsByPlatformApplicationCommand, SNSClient } from '@aws-sdk/client-sns';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterEach, describe, expect, it } from 'vitest';
import { type Moto, startMoto } from '../../lambdas/local/emulators/moto';

// HTTP/1.1 handler: the v3 Kinesis client speaks HTTP/2 to http:// endpoints, which the edge port
// understands and moto itself does not.
const clientConfig = (endpoint: string) => ({
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'AKIDMOTOSTATE', secretAccessKey: 'moto-state-secret' },
  requestHandler: new NodeHttpHandler(),
});

let dir: string;
const running: Moto[] = [];
const start = async (stateFile?: string) => {
  const moto = await startMoto({ stateFile });
  running.push(moto);
  return moto;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((moto) => moto.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An SNS platform application with one endpoint, and a Kinesis stream with one record. */
async function createResources(moto: Moto): Promise<{ applicationArn: string; endpointArn: string }> {
  const sns = new SNSClient(clientConfig(moto.endpoint));
  const kinesis = new KinesisClient(clientConfig(moto.endpoint));
  try {
    const { PlatformApplicationArn } = await sns.send(
      new CreatePlatformApplicationCommand({ Name: 'state-app', Platform: 'GCM', Attributes: { PlatformCredential: 'server-key' } }),
    );
    const { EndpointArn } = await sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn, Token: 'device-token-1' }));
    await kinesis.send(new CreateStreamCommand({ StreamName: 'state-stream', ShardCount: 1 }));
    await kinesis.send(new PutRecordCommand({ StreamName: 'state-stream', PartitionKey: 'p', Data: Buffer.from('kept') }));
    return { applicationArn: PlatformApplicationArn as string, endpointArn: EndpointArn as string };
  } finally {
    sns.destroy();
    kinesis.destroy();
  }
}

async function endpointsOf(moto: Moto, applicationArn: string): Promise<string[]> {
  const sns = new SNSClient(clientConfig(moto.endpoint));
  try {
    const out = await sns.send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: applicationArn }));
    return (out.Endpoints ?? []).map((e) => e.EndpointArn as string);
  } catch (e) {
    if ((e as Error).name === 'NotFoundException') return [];
    throw e;
  }
}

async function streamRecords(moto: Moto): Promise<string[]> {
  const kinesis = new KinesisClient(clientConfig(moto.endpoint));
  try {
    const stream = await kinesis.send(new DescribeStreamCommand({ StreamName: 'state-stream' }));
    const ShardId = stream.StreamDescription?.Shards?.[0]?.ShardId;
    const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: 'state-stream', ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const out = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    return (out.Records ?? []).map((r) => Buffer.from(r.Data as Uint8Array).toString());
  } finally {
    kinesis.destroy();
  }
}

describe('moto state across restarts', () => {
  it('restores SNS endpoints with their ARNs and Kinesis records from the state file', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'moto-state-'));
    const stateFile = path.join(dir, 'moto-state.jsonl');
    const first = await start(stateFile);
    const { applicationArn, endpointArn } = await createResources(first);
    await first.stop();

    const second = await start(stateFile);
    expect(await endpointsOf(second, applicationArn)).toEqual([endpointArn]);
    expect(await streamRecords(second)).toEqual(['kept']);

    // What the second run adds is recorded too, after what it replayed: a third start has both.
    const sns = new SNSClient(clientConfig(second.endpoint));
    const { EndpointArn: secondEndpoint } = await sns.send(
      new CreatePlatformEndpointCommand({ PlatformApplicationArn: applicationArn, Token: 'device-token-2' }),
    );
    sns.destroy();
    await second.stop();
    const third = await start(stateFile);
    expect((await endpointsOf(third, applicationArn)).sort()).toEqual([endpointArn, secondEndpoint].sort());
  }, 90_000);

  it('starts empty without a state file', async () => {
    const first = await start();
    const { applicationArn } = await createResources(first);
    await first.stop();
    const second = await start();
    expect(await endpointsOf(second, applicationArn)).toEqual([]);
  }, 60_000);
});
