/**
 * The console's JSON layer (`/_console/api/*`): each answer is made of calls to the service's own
 * public APIs on this endpoint (Cognito Identity and Cognito Sync, over HTTP, signed on the server
 * side with the developer's keys), never of reads of the table. So what the console shows is what a
 * developer's own client would be answered, and its actions (delete a dataset, edit a record, start
 * a BulkPublish) are the developer API's calls.
 */
import { CognitoIdentityClient, ListIdentitiesCommand, ListIdentityPoolsCommand } from '@aws-sdk/client-cognito-identity';
import {
  BulkPublishCommand,
  CognitoSyncClient,
  type CognitoSyncClientConfig,
  DeleteDatasetCommand,
  DescribeDatasetCommand,
  DescribeIdentityPoolUsageCommand,
  DescribeIdentityUsageCommand,
  GetBulkPublishDetailsCommand,
  GetCognitoEventsCommand,
  GetIdentityPoolConfigurationCommand,
  ListDatasetsCommand,
  ListRecordsCommand,
  type ListRecordsCommandOutput,
  type _Record as SyncRecord,
  UpdateRecordsCommand,
} from '@aws-sdk/client-cognito-sync';
import type { DeveloperCredentials } from '../auth/credentials';
import type { ActivityBus } from './activity';
import { perMinute } from './per-minute';

export interface ConsoleApiOptions {
  /** This endpoint's own URL, known once it listens. */
  readonly endpointUrl: () => string;
  readonly region: string;
  readonly developer: DeveloperCredentials;
  readonly activity: ActivityBus;
}

export interface ApiRequest {
  readonly method: string;
  /** The path below `/_console/api`, segments still encoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** An answer other than 200, with the service error's name when the service refused. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const PAGE = 60;

export class ConsoleApi {
  private syncClient: CognitoSyncClient | undefined;
  private identityClient: CognitoIdentityClient | undefined;

  constructor(private readonly options: ConsoleApiOptions) {}

  async answer(request: ApiRequest): Promise<ApiAnswer> {
    const segments = request.path.split('/').filter(Boolean).map(decodeURIComponent);
    const { method } = request;
    try {
      const body = await this.route(method, segments, request);
      return { status: 200, body };
    } catch (e) {
      if (e instanceof ApiError) return { status: e.status, body: { error: e.code, message: e.message } };
      // A refusal of the service (its own error name and status), passed on as it was answered.
      const serviceError = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = serviceError.$metadata?.httpStatusCode;
      if (status && status >= 400 && status < 500) return { status, body: { error: serviceError.name, message: serviceError.message } };
      throw e;
    }
  }

  close(): void {
    this.syncClient?.destroy();
    this.identityClient?.destroy();
  }

  private async route(method: string, s: string[], request: ApiRequest): Promise<unknown> {
    const [root, pool, sub, identity, sub2, dataset, sub3, key] = s;
    if (root === 'activity' && s.length === 1 && method === 'GET') return this.activity();
    if (root !== 'pools') throw new ApiError(404, 'NotFound', `no console API at ${request.path}`);
    if (s.length === 1 && method === 'GET') return this.pools();
    if (pool === undefined) throw notFound(request);
    if (s.length === 2 && method === 'GET') return this.pool(pool);
    if (s.length === 3 && sub === 'bulk-publish' && method === 'POST') return this.sync().send(new BulkPublishCommand({ IdentityPoolId: pool }));
    if (sub !== 'identities') throw notFound(request);
    if (s.length === 3 && method === 'GET') return this.identities(pool);
    if (identity === undefined) throw notFound(request);
    if (s.length === 4 && method === 'GET') return this.identity(pool, identity);
    if (sub2 !== 'datasets' || dataset === undefined) throw notFound(request);
    const ref = { IdentityPoolId: pool, IdentityId: identity, DatasetName: dataset };
    if (s.length === 6 && method === 'GET') return this.dataset(pool, identity, dataset, sinceOf(request.query));
    if (s.length === 6 && method === 'DELETE') return this.sync().send(new DeleteDatasetCommand(ref));
    if (s.length === 8 && sub3 === 'records' && key !== undefined && method === 'PUT') return this.editRecord(pool, identity, dataset, key, request.body);
    throw notFound(request);
  }

  private sync(): CognitoSyncClient {
    // Signed for `execute-api`, as the deployed API wants: the endpoint takes it with or without --deployed-rules.
    // (The SDK reads `signingName`; this version's config type does not declare it.)
    const config: CognitoSyncClientConfig & { signingName: string } = { ...this.clientConfig(), signingName: 'execute-api' };
    this.syncClient ??= new CognitoSyncClient(config);
    return this.syncClient;
  }

  private identityApi(): CognitoIdentityClient {
    this.identityClient ??= new CognitoIdentityClient(this.clientConfig());
    return this.identityClient;
  }

  private clientConfig() {
    return { region: this.options.region, endpoint: this.options.endpointUrl(), credentials: this.options.developer, maxAttempts: 1 };
  }

  /** The local Cognito Identity's pools, each with its usage (bytes, sync sessions). */
  private async pools() {
    const pools = [];
    let NextToken: string | undefined;
    do {
      const page = await this.identityApi().send(new ListIdentityPoolsCommand({ MaxResults: PAGE, NextToken }));
      pools.push(...(page.IdentityPools ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return Promise.all(
      pools.map(async (p) => {
        const { IdentityPoolUsage } = await this.sync().send(new DescribeIdentityPoolUsageCommand({ IdentityPoolId: p.IdentityPoolId }));
        return { identityPoolId: p.IdentityPoolId, name: p.IdentityPoolName, usage: IdentityPoolUsage };
      }),
    );
  }

  private async pool(identityPoolId: string) {
    const input = { IdentityPoolId: identityPoolId };
    const [usage, configuration, events, bulkPublish] = await Promise.all([
      this.sync().send(new DescribeIdentityPoolUsageCommand(input)),
      this.sync().send(new GetIdentityPoolConfigurationCommand(input)),
      this.sync().send(new GetCognitoEventsCommand(input)),
      this.sync().send(new GetBulkPublishDetailsCommand(input)),
    ]);
    return {
      identityPoolId,
      usage: usage.IdentityPoolUsage,
      pushSync: configuration.PushSync,
      cognitoStreams: configuration.CognitoStreams,
      events: events.Events ?? {},
      bulkPublish: withoutMetadata(bulkPublish),
    };
  }

  private async identities(identityPoolId: string) {
    const identities = [];
    let NextToken: string | undefined;
    do {
      const page = await this.identityApi().send(new ListIdentitiesCommand({ IdentityPoolId: identityPoolId, MaxResults: PAGE, NextToken }));
      identities.push(...(page.Identities ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return identities.map((i) => ({ identityId: i.IdentityId, creationDate: i.CreationDate, lastModifiedDate: i.LastModifiedDate }));
  }

  private async identity(identityPoolId: string, identityId: string) {
    const [usage, datasets] = await Promise.all([
      this.sync().send(new DescribeIdentityUsageCommand({ IdentityPoolId: identityPoolId, IdentityId: identityId })),
      this.listDatasets(identityPoolId, identityId),
    ]);
    // ListDatasets' Dataset has no sync count: ListRecords' DatasetSyncCount is each dataset's.
    const withSyncCounts = await Promise.all(
      datasets.map(async (d) => {
        const out = await this.sync().send(
          new ListRecordsCommand({ IdentityPoolId: identityPoolId, IdentityId: identityId, DatasetName: d.DatasetName, MaxResults: 1 }),
        );
        return { ...d, SyncCount: out.DatasetSyncCount };
      }),
    );
    return { identityId, usage: usage.IdentityUsage, datasets: withSyncCounts, deleted: await this.deletedDatasets(identityPoolId, identityId, datasets) };
  }

  private async listDatasets(IdentityPoolId: string, IdentityId: string) {
    const datasets = [];
    let NextToken: string | undefined;
    do {
      const page = await this.sync().send(new ListDatasetsCommand({ IdentityPoolId, IdentityId, MaxResults: PAGE, NextToken }));
      datasets.push(...(page.Datasets ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return datasets;
  }

  /**
   * ListDatasets no longer lists a deleted dataset, and no public call lists deleted ones. The
   * names come from the deletions the change feed reported in the last hour; for each one still
   * deleted, ListRecords answers `DatasetExists: false` and its final sync count
   * (`DatasetSyncCount`), the floor a re-created dataset continues from.
   */
  private async deletedDatasets(IdentityPoolId: string, IdentityId: string, live: readonly { DatasetName?: string }[]) {
    const liveNames = new Set(live.map((d) => d.DatasetName));
    const names = new Set<string>();
    for (const e of this.options.activity.recent()) {
      if (e.type === 'sync' && e.kind === 'delete' && e.identityPoolId === IdentityPoolId && e.identityId === IdentityId && !liveNames.has(e.datasetName)) {
        names.add(e.datasetName);
      }
    }
    const deleted = [];
    for (const DatasetName of names) {
      const out = await this.sync().send(new ListRecordsCommand({ IdentityPoolId, IdentityId, DatasetName, MaxResults: 1 }));
      if (out.DatasetExists === false) deleted.push({ datasetName: DatasetName, deletionFloor: out.DatasetSyncCount ?? 0 });
    }
    return deleted;
  }

  /** The dataset (DescribeDataset; absent when deleted) and its records changed since `since` (ListRecords, every page). */
  private async dataset(IdentityPoolId: string, IdentityId: string, DatasetName: string, since: number) {
    const ref = { IdentityPoolId, IdentityId, DatasetName };
    const described = await this.sync()
      .send(new DescribeDatasetCommand(ref))
      .catch((e: { name?: string }) => {
        if (e.name === 'ResourceNotFoundException') return undefined;
        throw e;
      });
    const records: SyncRecord[] = [];
    let NextToken: string | undefined;
    let first: ListRecordsCommandOutput | undefined;
    do {
      const page = await this.sync().send(new ListRecordsCommand({ ...ref, LastSyncCount: since, MaxResults: 1024, NextToken }));
      first ??= page;
      records.push(...(page.Records ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return {
      dataset: described?.Dataset,
      since,
      datasetExists: first?.DatasetExists,
      datasetSyncCount: first?.DatasetSyncCount,
      datasetDeletedAfterRequestedSyncCount: first?.DatasetDeletedAfterRequestedSyncCount,
      lastModifiedBy: first?.LastModifiedBy,
      records,
    };
  }

  /** UpdateRecords as the developer: the record's current sync count from ListRecords, then one replace (or remove). */
  private async editRecord(IdentityPoolId: string, IdentityId: string, DatasetName: string, key: string, body: unknown) {
    const value = (body as { value?: unknown } | undefined)?.value;
    if (value !== null && typeof value !== 'string')
      throw new ApiError(400, 'InvalidParameterException', 'the body must be {"value": string} or {"value": null} to remove the record');
    const ref = { IdentityPoolId, IdentityId, DatasetName };
    let current: SyncRecord | undefined;
    let token: string | undefined;
    let NextToken: string | undefined;
    do {
      const page = await this.sync().send(new ListRecordsCommand({ ...ref, MaxResults: 1024, NextToken }));
      token ??= page.SyncSessionToken;
      current ??= page.Records?.find((r) => r.Key === key);
      NextToken = page.NextToken;
    } while (NextToken);
    const patch = {
      Op: value === null ? ('remove' as const) : ('replace' as const),
      Key: key,
      SyncCount: current?.SyncCount ?? 0,
      ...(value !== null && { Value: value }),
      DeviceLastModifiedDate: new Date(),
    };
    const out = await this.sync().send(new UpdateRecordsCommand({ ...ref, SyncSessionToken: token, RecordPatches: [patch] }));
    return { records: out.Records };
  }

  private activity() {
    const events = this.options.activity.recent();
    return { events: events.slice(-200), perMinute: perMinute(events, Date.now()) };
  }
}

function sinceOf(query: URLSearchParams): number {
  const text = query.get('since') ?? '0';
  if (!/^\d{1,15}$/.test(text)) throw new ApiError(400, 'InvalidParameterException', `since must be a sync count (a whole number), not '${text}'`);
  return Number(text);
}

const notFound = (request: ApiRequest) => new ApiError(404, 'NotFound', `no console API for ${request.method} ${request.path}`);

function withoutMetadata<T extends { $metadata?: unknown }>(output: T): Omit<T, '$metadata'> {
  const { $metadata: _, ...rest } = output;
  return rest;
}
