/**
 * The operation table: the one source of truth for the 17 Cognito Sync operations.
 *
 * Everything that needs to know about an operation reads it from here: the local server routes
 * with it, the protocol middlewares parse and validate with it, the tests iterate over it, and the
 * CDK stack makes one route and one function per entry. Adding an operation is one entry here plus
 * its handler in `handlers/`; making it available is `available: true` here, its input type in
 * `protocol/operation-handler.ts` and its domain call in the handler (the compiler asks for both).
 *
 * Method, path, members and status codes are those of the service model (docs/behaviour.md#operations).
 */

/** Who may call an operation (docs/behaviour.md#who-may-call-what). */
export type Callers = 'developer' | 'identity' | 'both';

/** What an operation does to the store; the deployment grants table actions from it. */
export type StoreAccess = 'read' | 'write';

/** A shape constraint of the service model (docs/behaviour.md#limits). */
export type Shape = 'IdentityPoolId' | 'IdentityId' | 'DatasetName' | 'DeviceId' | 'IntegerString' | 'Long' | 'String' | 'Platform' | 'PushToken';

/** Where one input member comes from on the wire. */
export type MemberBinding =
  | { in: 'path'; shape: Shape }
  | { in: 'query'; name: string; shape: Shape }
  | { in: 'header'; name: string; shape: Shape }
  | { in: 'body'; shape: Shape | 'RecordPatches' | 'PushSync' | 'CognitoStreams' | 'Events'; required?: boolean };

export interface OperationSpec {
  readonly name: OperationName;
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path template with `{Label}` segments, exactly as in the model. */
  readonly path: string;
  /** Input members by their model (PascalCase) name. */
  readonly input: Readonly<Record<string, MemberBinding>>;
  readonly callers: Callers;
  readonly access: StoreAccess;
  /**
   * Which items of the table the operation touches: `pool`, only its pool's own (`P#<pool>`) items,
   * and the deployment grants it no other partition; absent, an identity's items.
   */
  readonly storeScope?: 'pool';
  /**
   * Cognito Identity actions the operation's function calls deployed (ListIdentityPoolUsage lists the
   * account's pools); the deployment grants it exactly these, and no other function any.
   */
  readonly identityPoolActions?: readonly string[];
  /** False until the operation's own issue lands; the endpoint then answers a rest-json error. */
  readonly available: boolean;
  /** Page sizes of an operation that pages (docs/decisions.md#page-sizes). */
  readonly maxResults?: PageLimits;
  /**
   * Output members clients read without a null check: Android unboxes ListRecords' counts and flags
   * into primitives, amazon-cognito-js reads `Records.length`. Omitting one crashes a client, so a
   * domain bug that loses one is answered as a 500 instead of a 200 the client cannot survive.
   */
  readonly alwaysPresent?: readonly string[];
  /** The model has no output shape: 200 with an empty body. */
  readonly noOutput?: true;
}

/** A page's size when `MaxResults` is absent, and the most a larger `MaxResults` is lowered to. */
export interface PageLimits {
  readonly default: number;
  readonly max: number;
}

export const OPERATION_NAMES = [
  'BulkPublish',
  'DeleteDataset',
  'DescribeDataset',
  'DescribeIdentityPoolUsage',
  'DescribeIdentityUsage',
  'GetBulkPublishDetails',
  'GetCognitoEvents',
  'GetIdentityPoolConfiguration',
  'ListDatasets',
  'ListIdentityPoolUsage',
  'ListRecords',
  'RegisterDevice',
  'SetCognitoEvents',
  'SetIdentityPoolConfiguration',
  'SubscribeToDataset',
  'UnsubscribeFromDataset',
  'UpdateRecords',
] as const;

export type OperationName = (typeof OPERATION_NAMES)[number];

const POOL = '/identitypools/{IdentityPoolId}';
const DATASET = `${POOL}/identities/{IdentityId}/datasets/{DatasetName}`;

const poolLabel = { IdentityPoolId: { in: 'path', shape: 'IdentityPoolId' } } as const;
const identityLabels = { ...poolLabel, IdentityId: { in: 'path', shape: 'IdentityId' } } as const;
const datasetLabels = { ...identityLabels, DatasetName: { in: 'path', shape: 'DatasetName' } } as const;
const page = {
  NextToken: { in: 'query', name: 'nextToken', shape: 'String' },
  MaxResults: { in: 'query', name: 'maxResults', shape: 'IntegerString' },
} as const;

export const OPERATIONS = {
  BulkPublish: {
    name: 'BulkPublish',
    method: 'POST',
    path: `${POOL}/bulkpublish`,
    input: poolLabel,
    callers: 'developer',
    access: 'write',
    storeScope: 'pool',
    available: true,
  },
  DeleteDataset: {
    name: 'DeleteDataset',
    method: 'DELETE',
    path: DATASET,
    input: datasetLabels,
    callers: 'both',
    access: 'write',
    available: true,
  },
  DescribeDataset: {
    name: 'DescribeDataset',
    method: 'GET',
    path: DATASET,
    input: datasetLabels,
    callers: 'both',
    access: 'read',
    available: true,
  },
  DescribeIdentityPoolUsage: {
    name: 'DescribeIdentityPoolUsage',
    method: 'GET',
    path: POOL,
    input: poolLabel,
    callers: 'developer',
    access: 'read',
    storeScope: 'pool',
    available: true,
  },
  DescribeIdentityUsage: {
    name: 'DescribeIdentityUsage',
    method: 'GET',
    path: `${POOL}/identities/{IdentityId}`,
    input: identityLabels,
    callers: 'both',
    access: 'read',
    available: true,
  },
  GetBulkPublishDetails: {
    name: 'GetBulkPublishDetails',
    method: 'POST',
    path: `${POOL}/getBulkPublishDetails`,
    input: poolLabel,
    callers: 'developer',
    access: 'read',
    storeScope: 'pool',
    available: true,
  },
  GetCognitoEvents: {
    name: 'GetCognitoEvents',
    method: 'GET',
    path: `${POOL}/events`,
    input: poolLabel,
    callers: 'developer',
    access: 'read',
    storeScope: 'pool',
    available: true,
  },
  GetIdentityPoolConfiguration: {
    name: 'GetIdentityPoolConfiguration',
    method: 'GET',
    path: `${POOL}/configuration`,
    input: poolLabel,
    callers: 'developer',
    access: 'read',
    storeScope: 'pool',
    available: true,
  },
  ListDatasets: {
    name: 'ListDatasets',
    method: 'GET',
    path: `${POOL}/identities/{IdentityId}/datasets`,
    input: { ...identityLabels, ...page },
    callers: 'both',
    access: 'read',
    available: true,
    maxResults: { default: 64, max: 64 },
  },
  ListIdentityPoolUsage: {
    name: 'ListIdentityPoolUsage',
    method: 'GET',
    path: '/identitypools',
    input: page,
    callers: 'developer',
    access: 'read',
    storeScope: 'pool',
    identityPoolActions: ['cognito-identity:ListIdentityPools'],
    available: true,
    maxResults: { default: 60, max: 60 },
  },
  // ListRecords writes: it may finish a large commit whose writer died (see adapters/dynamodb/redo-log.ts), and
  // every call opens a sync session, which pool usage counts.
  ListRecords: {
    name: 'ListRecords',
    method: 'GET',
    path: `${DATASET}/records`,
    input: {
      ...datasetLabels,
      LastSyncCount: { in: 'query', name: 'lastSyncCount', shape: 'Long' },
      ...page,
      SyncSessionToken: { in: 'query', name: 'syncSessionToken', shape: 'String' },
    },
    callers: 'both',
    access: 'write',
    available: true,
    // 1,024: the page size Android and amazon-cognito-js ask for.
    maxResults: { default: 1024, max: 1024 },
    alwaysPresent: ['Records', 'DatasetSyncCount', 'DatasetExists', 'DatasetDeletedAfterRequestedSyncCount'],
  },
  RegisterDevice: {
    name: 'RegisterDevice',
    method: 'POST',
    path: `${POOL}/identity/{IdentityId}/device`,
    input: {
      ...identityLabels,
      Platform: { in: 'body', shape: 'Platform', required: true },
      Token: { in: 'body', shape: 'PushToken', required: true },
    },
    callers: 'identity',
    access: 'write',
    available: true,
  },
  SetCognitoEvents: {
    name: 'SetCognitoEvents',
    method: 'POST',
    path: `${POOL}/events`,
    input: { ...poolLabel, Events: { in: 'body', shape: 'Events', required: true } },
    callers: 'developer',
    access: 'write',
    storeScope: 'pool',
    available: true,
    noOutput: true,
  },
  SetIdentityPoolConfiguration: {
    name: 'SetIdentityPoolConfiguration',
    method: 'POST',
    path: `${POOL}/configuration`,
    input: {
      ...poolLabel,
      PushSync: { in: 'body', shape: 'PushSync' },
      CognitoStreams: { in: 'body', shape: 'CognitoStreams' },
    },
    callers: 'developer',
    access: 'write',
    storeScope: 'pool',
    available: true,
  },
  SubscribeToDataset: {
    name: 'SubscribeToDataset',
    method: 'POST',
    path: `${DATASET}/subscriptions/{DeviceId}`,
    input: { ...datasetLabels, DeviceId: { in: 'path', shape: 'DeviceId' } },
    callers: 'identity',
    access: 'write',
    available: true,
  },
  UnsubscribeFromDataset: {
    name: 'UnsubscribeFromDataset',
    method: 'DELETE',
    path: `${DATASET}/subscriptions/{DeviceId}`,
    input: { ...datasetLabels, DeviceId: { in: 'path', shape: 'DeviceId' } },
    callers: 'identity',
    access: 'write',
    available: true,
  },
  UpdateRecords: {
    name: 'UpdateRecords',
    method: 'POST',
    path: DATASET,
    input: {
      ...datasetLabels,
      DeviceId: { in: 'body', shape: 'DeviceId' },
      RecordPatches: { in: 'body', shape: 'RecordPatches' },
      SyncSessionToken: { in: 'body', shape: 'String', required: true },
      ClientContext: { in: 'header', name: 'x-amz-client-context', shape: 'String' },
    },
    callers: 'both',
    access: 'write',
    available: true,
    alwaysPresent: ['Records'],
  },
} as const satisfies Readonly<Record<OperationName, OperationSpec>>;

type Entries = typeof OPERATIONS;

/** The operations whose issue has landed: the only ones with a domain call (`operationHandler`). */
export type AvailableOperation = { [N in OperationName]: Entries[N]['available'] extends true ? N : never }[OperationName];

/** The operations that answer `UnsupportedOperationException` (501) until their issue lands. */
export type UnavailableOperation = Exclude<OperationName, AvailableOperation>;

/** The operations as a list, in table order. */
export const OPERATION_LIST: readonly OperationSpec[] = OPERATION_NAMES.map((name) => OPERATIONS[name]);

/** The API Gateway route key of an operation, e.g. `GET /identitypools/{IdentityPoolId}`. */
export const routeKey = (op: OperationSpec): string => `${op.method} ${op.path}`;

/** A path template compiled for matching: one capture group per `{Label}` segment. */
interface PathTemplate {
  readonly pattern: RegExp;
  readonly labels: readonly string[];
}

const templates = new Map<string, PathTemplate>();

/** Compiles (once) an operation's path template; labels match one raw, still-encoded segment. */
function pathTemplate(path: string): PathTemplate {
  let template = templates.get(path);
  if (!template) {
    const labels: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        const label = /^\{(\w+)\}$/.exec(segment);
        if (!label) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        labels.push(label[1]);
        return '([^/]+)';
      })
      .join('/');
    template = { pattern: new RegExp(`^${source}/?$`), labels };
    templates.set(path, template);
  }
  return template;
}

/** Turns one raw path segment into a label value. */
export type LabelDecoder = (raw: string) => string;

/**
 * The labels of a raw (still percent-encoded) path under an operation's template, decoded with
 * `decode`, or `undefined` when the path is not one of this operation's. The protocol passes a
 * decoder that refuses bad percent-encoding with the model's error; the default throws `URIError`.
 */
export function matchOperationPath(op: OperationSpec, rawPath: string, decode: LabelDecoder = decodeURIComponent): Record<string, string> | undefined {
  const { pattern, labels } = pathTemplate(op.path);
  const m = pattern.exec(rawPath);
  if (!m) return undefined;
  const values: Record<string, string> = {};
  labels.forEach((label, i) => {
    values[label] = decode(m[i + 1]);
  });
  return values;
}

export interface RouteMatch {
  readonly op: OperationSpec;
  /** Path labels, percent-decoded. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Finds the operation for a method and a raw (still percent-encoded) path. Routing is on method and
 * path only (docs/behaviour.md#wire-protocol). Returns `undefined` for a path or method that no
 * operation has; a segment that is not valid percent-encoding throws what `decode` throws.
 */
export function matchRoute(method: string, rawPath: string, decode: LabelDecoder = decodeURIComponent): RouteMatch | undefined {
  const upper = method.toUpperCase();
  for (const op of OPERATION_LIST) {
    if (op.method !== upper) continue;
    const labels = matchOperationPath(op, rawPath, decode);
    if (labels) return { op, labels };
  }
  return undefined;
}
