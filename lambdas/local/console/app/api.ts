/** The console's JSON layer (/_console/api, served by the local endpoint), called from the page. */

export const API = '/_console/api';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${API}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!response.ok) throw new ApiFailure(response.status, answer.error ?? 'Error', answer.message ?? response.statusText);
  return answer as T;
}

export const getJson = <T>(path: string): Promise<T> => call<T>('GET', path);
export const send = <T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> => call<T>(method, path, body);

/** Path labels, encoded. */
export const label = (value: string): string => encodeURIComponent(value);

export interface PoolUsage {
  IdentityPoolId?: string;
  SyncSessionsCount?: number;
  DataStorage?: number;
  LastModifiedDate?: string;
}

export interface PoolSummary {
  identityPoolId: string;
  name: string;
  usage?: PoolUsage;
}

export interface PoolDetail {
  identityPoolId: string;
  usage?: PoolUsage;
  pushSync?: { ApplicationArns?: string[]; RoleArn?: string };
  cognitoStreams?: { StreamName?: string; RoleArn?: string; StreamingStatus?: string; DisabledReason?: string };
  events: Record<string, string>;
  bulkPublish: { BulkPublishStatus?: string; BulkPublishStartTime?: string; BulkPublishCompleteTime?: string; FailureMessage?: string };
}

export interface IdentitySummary {
  identityId: string;
  creationDate?: string;
  lastModifiedDate?: string;
}

export interface Dataset {
  DatasetName?: string;
  NumRecords?: number;
  DataStorage?: number;
  LastModifiedBy?: string;
  LastModifiedDate?: string;
  CreationDate?: string;
}

export interface IdentityDetail {
  identityId: string;
  usage?: { DatasetCount?: number; DataStorage?: number; LastModifiedDate?: string };
  /** With the sync count ListRecords answers for each. */
  datasets: (Dataset & { SyncCount?: number })[];
  deleted: { datasetName: string; deletionFloor: number }[];
}

export interface SyncRecord {
  Key?: string;
  Value?: string;
  SyncCount?: number;
  LastModifiedDate?: string;
  LastModifiedBy?: string;
  DeviceLastModifiedDate?: string;
}

export interface DatasetDetail {
  dataset?: Dataset;
  since: number;
  datasetExists?: boolean;
  datasetSyncCount?: number;
  datasetDeletedAfterRequestedSyncCount?: boolean;
  lastModifiedBy?: string;
  records: SyncRecord[];
}

/** What the endpoint's activity bus carries (lambdas/local/console/activity.ts). */
export type Activity = { id: number; at: number } & (
  | { type: 'sync'; kind: 'sync' | 'delete'; identityPoolId: string; identityId: string; datasetName: string; syncCount: number; recordsChanged: number }
  | { type: 'push'; device: string; platform: string; payload: string; outcome: string }
  | { type: 'stream'; streamName: string; identityId: string; datasetName: string; syncCount: number; operation: string; recordCount: number }
  | { type: 'invocation'; functionName: string; requestId: string; payload: string; error: boolean }
  | { type: 'conflict'; path: string }
);

export interface ActivitySummary {
  events: Activity[];
  perMinute: { minutes: number[]; syncs: number[]; conflicts: number[] };
}
