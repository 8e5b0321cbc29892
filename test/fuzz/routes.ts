import { OPERATION_LIST, type OperationSpec } from '../../lambdas/src/operations';
import type { Rng } from './prng';
import { fakeUuid, hostileString, wrongTypeValue } from './values';
import { utf8Bytes } from './wire';
import { type Context, type Draft, encodeLabel } from './draft';
import { datasetName, memberValue } from './members';

// ---------------------------------------------------------------------------------------------
// Drafts
// ---------------------------------------------------------------------------------------------

const emptyDraft = (): Draft => ({
  method: 'GET',
  path: '/',
  query: '',
  headers: [],
  json: undefined,
  body: Buffer.alloc(0),
  version: 'HTTP/1.1',
  framing: 'content-length',
  omitHost: false,
  absoluteForm: false,
  service: 'cognito-sync',
});

/** Operations weighted toward the ones that write. */
export function chooseOperation(rng: Rng): OperationSpec {
  return rng.weighted(OPERATION_LIST.map((op) => [op.name === 'UpdateRecords' ? 6 : op.available ? 2 : 1, op] as const));
}

export function syncDraft(ctx: Context, op: OperationSpec): Draft {
  const { rng, subject } = ctx;
  const dataset = datasetName(ctx);
  const labels: Record<string, string> = {
    IdentityPoolId: subject.pool,
    IdentityId: subject.identityId,
    DatasetName: dataset,
    DeviceId: fakeUuid(rng),
  };
  const draft = emptyDraft();
  draft.method = op.method;
  draft.service = rng.chance(0.25) ? 'execute-api' : 'cognito-sync';
  draft.path = op.path.replace(/\{(\w+)\}/g, (_whole, label: string) =>
    encodeLabel(rng.chance(0.06) ? hostileString(rng) : (labels[label] ?? hostileString(rng))),
  );
  const query: string[] = [];
  let body: Record<string, unknown> | undefined;
  for (const [name, binding] of Object.entries(op.input)) {
    if (binding.in === 'path') continue;
    if (binding.in === 'query') {
      if (rng.chance(0.5)) query.push(`${binding.name}=${encodeLabel(String(memberValue(ctx, name, binding, dataset)))}`);
    } else if (binding.in === 'header') {
      if (rng.chance(0.4)) draft.headers.push([binding.name, utf8Bytes(String(memberValue(ctx, name, binding, dataset)))]);
    } else {
      body ??= {};
      if (binding.required || rng.chance(0.8)) body[name] = memberValue(ctx, name, binding, dataset);
    }
  }
  draft.query = query.join('&');
  if (body) {
    draft.json = body;
    draft.headers.push(['content-type', 'application/json']);
  }
  return draft;
}

const UNKNOWN_IDENTITY_OPERATIONS = [
  'UpdateIdentityPool',
  'DescribeIdentity',
  'DeleteIdentities',
  'GetOpenIdTokenForDeveloperIdentity',
  'MergeDeveloperIdentities',
  'SetIdentityPoolRoles',
  '',
  'GetId ',
  'getid',
  'GetId\u0000',
];

export function identityDraft(ctx: Context): Draft {
  const { rng, world, mode, subject } = ctx;
  // Pool-wide operations by the developer go to the fuzzer's pool: the victims' pool item is in the snapshot.
  const pool = mode === 'developer' ? world.fuzzerPool : subject.pool;
  const operation = rng.weighted([
    [3, 'GetId'],
    [3, 'GetCredentialsForIdentity'],
    [2, 'CreateIdentityPool'],
    [2, rng.pick(UNKNOWN_IDENTITY_OPERATIONS)],
  ]);
  const hostile = rng.chance(0.25);
  const pick = (valid: unknown) => (hostile && rng.chance(0.5) ? (rng.chance(0.5) ? hostileString(rng) : wrongTypeValue(rng)) : valid);
  const body: Record<string, unknown> = {};
  switch (operation) {
    case 'GetId':
      body.IdentityPoolId = pick(pool);
      if (rng.chance(0.2)) body.AccountId = pick('123456789012');
      if (rng.chance(0.1)) body.Logins = pick({ 'accounts.google.com': 'token' });
      break;
    case 'GetCredentialsForIdentity':
      body.IdentityId = pick(subject.identityId);
      if (rng.chance(0.1)) body.Logins = pick({ 'graph.facebook.com': 'token' });
      if (rng.chance(0.1)) body.CustomRoleArn = pick('arn:aws:iam::123456789012:role/admin');
      break;
    case 'CreateIdentityPool':
      body.IdentityPoolName = pick(`fuzz ${rng.int(0, 99)}`);
      body.AllowUnauthenticatedIdentities = pick(rng.chance(0.8));
      break;
    default:
      // Unknown to the local subset: must be refused, whatever they would do on AWS.
      body.IdentityPoolId = pool;
      body.IdentityIdsToDelete = [subject.identityId];
      body.AllowUnauthenticatedIdentities = false;
  }
  const draft = emptyDraft();
  draft.method = 'POST';
  draft.path = '/';
  draft.service = rng.chance(0.9) ? 'cognito-identity' : 'cognito-sync';
  draft.headers.push(['content-type', 'application/x-amz-json-1.1'], ['x-amz-target', utf8Bytes(`AWSCognitoIdentityService.${operation}`)]);
  draft.json = body;
  ctx.notes.push(`identity:${JSON.stringify(operation)}`);
  return draft;
}

export function strayDraft(ctx: Context): Draft {
  const { rng, subject } = ctx;
  const pool = encodeLabel(subject.pool);
  const id = encodeLabel(subject.identityId);
  const draft = emptyDraft();
  draft.method = rng.pick(['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD']);
  draft.path = rng.pick([
    '/',
    '/favicon.ico',
    '/robots.txt',
    '/identitypools',
    '/identitypools/',
    `/identitypools/${pool}/identities`,
    `/identitypools/${pool}/identities/${id}/datasets/settings/records/extra`,
    `/identitypools/${pool}/identity/${id}`,
    '/2014-06-30/identitypools',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/identitypools/a/b/c/d/e/f/g/h',
    `/IDENTITYPOOLS/${pool}`,
  ]);
  if (rng.chance(0.4)) {
    draft.json = { anything: hostileString(rng) };
    draft.headers.push(['content-type', 'application/json']);
  }
  return draft;
}
