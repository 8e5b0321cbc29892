/**
 * What the victims' data looks like, twice over: through the API as each victim sees it
 * (ListDatasets, DescribeIdentityUsage, ListRecords of every dataset, every page) and straight from
 * the table (every item of the victim's partition, its local identity item and the pool item).
 * Tokens and request ids, which differ per call, are left out; everything else must be identical
 * before and after the run.
 */
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CognitoSyncClient, DescribeIdentityUsageCommand, ListDatasetsCommand, ListRecordsCommand, type Dataset } from '@aws-sdk/client-cognito-sync';
import { createDynamoDBLocalClient } from '../../lambdas/local/emulators/dynamodb-local';
import type { Party } from './world';

export interface SnapshotTarget {
  readonly url: string;
  readonly region: string;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
}

/** JSON with object keys sorted, so that equal data compares equal as text. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('base64') };
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** One entry per victim and source, e.g. `victim0 api` and `victim0 table`, as canonical JSON. */
export type Snapshot = Record<string, string>;

async function queryPartition(client: ReturnType<typeof createDynamoDBLocalClient>, tableName: string, pk: string) {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function apiView(target: SnapshotTarget, victim: Party): Promise<unknown> {
  const sync = new CognitoSyncClient({ region: target.region, endpoint: target.url, credentials: victim.credentials, maxAttempts: 1 });
  try {
    const ids = { IdentityPoolId: victim.pool, IdentityId: victim.identityId };
    const datasets: Dataset[] = [];
    let next: string | undefined;
    do {
      const page = await sync.send(new ListDatasetsCommand({ ...ids, NextToken: next }));
      datasets.push(...(page.Datasets ?? []));
      next = page.NextToken;
    } while (next);
    const usage = await sync.send(new DescribeIdentityUsageCommand(ids));
    const records: Record<string, unknown> = {};
    for (const dataset of datasets) {
      const pages: unknown[] = [];
      let token: string | undefined;
      do {
        const page = await sync.send(new ListRecordsCommand({ ...ids, DatasetName: dataset.DatasetName, NextToken: token }));
        const { $metadata: _m, SyncSessionToken: _s, NextToken, ...rest } = page;
        pages.push(rest);
        token = NextToken;
      } while (token);
      records[dataset.DatasetName as string] = pages;
    }
    return { datasets, usage: usage.IdentityUsage, records };
  } finally {
    sync.destroy();
  }
}

export async function takeSnapshot(target: SnapshotTarget, victims: readonly Party[]): Promise<Snapshot> {
  const dynamo = createDynamoDBLocalClient(target.dynamoEndpoint);
  try {
    const snapshot: Snapshot = {};
    for (const victim of victims) {
      // The table first: were reading through the API ever to write, the second snapshot would show it.
      const table = {
        partition: await queryPartition(dynamo, target.tableName, `I#${victim.pool}#${victim.identityId}`),
        identity: await queryPartition(dynamo, target.tableName, `LOCALIDENTITY#${victim.identityId}`),
        pool: await queryPartition(dynamo, target.tableName, `LOCALPOOL#${victim.pool}`),
      };
      snapshot[`${victim.label} table`] = canonical(table);
      snapshot[`${victim.label} api`] = canonical(await apiView(target, victim));
    }
    return snapshot;
  } finally {
    dynamo.destroy();
  }
}

/** Human-readable differences, empty when the snapshots are equal. */
export function compareSnapshots(before: Snapshot, after: Snapshot): string[] {
  const differences: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (a === b) continue;
    let at = 0;
    while (a !== undefined && b !== undefined && at < a.length && a[at] === b[at]) at++;
    const around = (s: string | undefined) => (s === undefined ? '(missing)' : `…${s.slice(Math.max(0, at - 120), at + 280)}…`);
    differences.push(`${key} changed at character ${at}:\n  before: ${around(a)}\n  after:  ${around(b)}`);
  }
  return differences;
}
