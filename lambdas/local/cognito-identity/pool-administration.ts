/**
 * ListIdentityPools, DescribeIdentityPool, ListIdentities and DeleteIdentityPool of the local
 * Cognito Identity, with the service model's shapes (botocore cognito-identity 2014-06-30):
 * MaxResults is required and 1-60 (QueryLimit), NextToken 1-65,535 non-space characters
 * (PaginationKey); an unknown pool is ResourceNotFoundException. Called by the developer only
 * (cognito-identity.ts checks the signature first).
 *
 * Pages are in id order; a NextToken is the base64 of the last id of the page. One that is not
 * such a base64 is an InvalidParameterException, as the service answers a token it did not issue.
 */
import { Errors } from '../../src/errors';
import { STRING_RULES, type StringRule } from '../../src/protocol/validate';
import type { CognitoIdentityConfig } from './cognito-identity';
import { type Input, InputReader } from './input-reader';

const PAGINATION_KEY: StringRule = { min: 1, max: 65535, pattern: String.raw`[\S]+` };
const QUERY_LIMIT = { min: 1, max: 60 } as const;

/** JSON 1.1 timestamps are epoch seconds. */
const epochSeconds = (ms: number): number => ms / 1000;

const tokenOf = (after: string | undefined) => (after === undefined ? {} : { NextToken: Buffer.from(after, 'utf8').toString('base64') });

function afterOf(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const after = Buffer.from(token, 'base64').toString('utf8');
  // Only what tokenOf writes decodes and re-encodes to itself.
  if (after === '' || Buffer.from(after, 'utf8').toString('base64') !== token) throw Errors.invalidParameter('The pagination token is not valid.');
  return after;
}

function pageInput(v: InputReader): { maxResults: number; after?: string } {
  const maxResults = v.integer('MaxResults', QUERY_LIMIT.min, QUERY_LIMIT.max, { required: true });
  const token = v.string('NextToken', PAGINATION_KEY);
  v.done();
  return { maxResults: maxResults as number, after: afterOf(token) };
}

function poolIdInput(v: InputReader): string {
  const identityPoolId = v.string('IdentityPoolId', STRING_RULES.IdentityPoolId, { required: true });
  return identityPoolId as string;
}

const poolNotFound = (identityPoolId: string) => Errors.resourceNotFound(`IdentityPool '${identityPoolId}' not found.`);

export async function listIdentityPools(input: Input, config: CognitoIdentityConfig): Promise<unknown> {
  const { maxResults, after } = pageInput(new InputReader(input));
  const page = await config.store.listPools(maxResults, after);
  return {
    IdentityPools: page.items.map((pool) => ({ IdentityPoolId: pool.identityPoolId, IdentityPoolName: pool.identityPoolName })),
    ...tokenOf(page.after),
  };
}

export async function describeIdentityPool(input: Input, config: CognitoIdentityConfig): Promise<unknown> {
  const v = new InputReader(input);
  const identityPoolId = poolIdInput(v);
  v.done();
  const pool = await config.store.getPool(identityPoolId);
  if (!pool) throw poolNotFound(identityPoolId);
  return {
    IdentityPoolId: pool.identityPoolId,
    IdentityPoolName: pool.identityPoolName,
    AllowUnauthenticatedIdentities: pool.allowUnauthenticatedIdentities,
  };
}

export async function listIdentities(input: Input, config: CognitoIdentityConfig): Promise<unknown> {
  const v = new InputReader(input);
  const identityPoolId = poolIdInput(v);
  // No identity is ever disabled locally: HideDisabled is read for its type and changes nothing.
  v.boolean('HideDisabled');
  const { maxResults, after } = pageInput(v);
  if (!(await config.store.getPool(identityPoolId))) throw poolNotFound(identityPoolId);
  const page = await config.store.listIdentities(identityPoolId, maxResults, after);
  return {
    IdentityPoolId: identityPoolId,
    // Unauthenticated identities: no Logins; never modified after their creation.
    Identities: page.items.map((identity) => ({
      IdentityId: identity.identityId,
      CreationDate: epochSeconds(identity.createdAt),
      LastModifiedDate: epochSeconds(identity.createdAt),
    })),
    ...tokenOf(page.after),
  };
}

/** The pool, its identities and all of their sync data (identity-store.ts `deletePool`). No output. */
export async function deleteIdentityPool(input: Input, config: CognitoIdentityConfig): Promise<unknown> {
  const v = new InputReader(input);
  const identityPoolId = poolIdInput(v);
  v.done();
  if (!(await config.store.getPool(identityPoolId))) throw poolNotFound(identityPoolId);
  await config.store.deletePool(identityPoolId);
  return {};
}
