import { cognitoIdentityPoolLister } from '../adapters/cognito-identity/identity-pool-lister';
import { operationHandler } from '../protocol/operation-handler';
import { poolUsage } from '../capabilities';

// The account's identity pools, from Cognito Identity: only this function holds its client and grant.
export const handler = operationHandler(
  'ListIdentityPoolUsage',
  (usage, input) => usage.list(input),
  () => poolUsage(cognitoIdentityPoolLister),
);
