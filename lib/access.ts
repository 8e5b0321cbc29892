/**
 * Who may do what, derived from the operation table: the table actions of each access class, and
 * the routes Cognito Identity callers may invoke. Nothing here names an operation.
 */
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { POOL_PARTITION_PREFIX } from '../lambdas/src/adapters/dynamodb/keys';
import { tableDefinition } from '../lambdas/src/adapters/dynamodb/table-schema';
import { OPERATION_LIST, type OperationSpec, type StoreAccess } from '../lambdas/src/operations';

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'] as const;

/**
 * DynamoDB actions per access class (`OperationSpec.access`). `TransactWriteItems` has no action of
 * its own: DynamoDB authorizes each item of a transaction with the action of that item (PutItem,
 * UpdateItem, DeleteItem, ConditionCheckItem).
 */
export const TABLE_ACTIONS: Readonly<Record<StoreAccess, readonly string[]>> = {
  read: READ_ACTIONS,
  write: [...READ_ACTIONS, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:BatchWriteItem'],
};

/**
 * The IAM condition that keeps an operation to the partitions of its `storeScope`: a pool operation
 * may touch only items whose partition key starts with `P#` (`dynamodb:LeadingKeys`), so a bug or a
 * crafted pool id can never read or write an identity's data through it. Identity operations get
 * none: they touch `I#` partitions, and nothing else exists deployed.
 */
export const leadingKeysCondition = (op: OperationSpec): Record<string, Record<string, string[]>> | undefined =>
  op.storeScope === 'pool' ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${POOL_PARTITION_PREFIX}*`] } } : undefined;

/** Actions that change the table: none of them may reach a read-only operation. */
export const WRITE_ONLY_ACTIONS: readonly string[] = TABLE_ACTIONS.write.filter((a) => !TABLE_ACTIONS.read.includes(a));

/** Operations that accept Cognito Identity credentials (identity or both): docs/behaviour.md#who-may-call-what */
export const identityOperations = (): readonly OperationSpec[] => OPERATION_LIST.filter((op) => op.callers !== 'developer');

/**
 * The part of an `execute-api` ARN after the API id that covers an operation's route on every
 * stage: `*` + `/<METHOD>` + the path with each `{Label}` as `*`, e.g.
 * `* /GET/identitypools/* /identities/* /datasets/*` (without the spaces).
 */
export const routeResource = (op: OperationSpec): string => `*/${op.method}${op.path.replace(/\{[^}]+\}/g, '*')}`;

/**
 * What the table actions apply to: the table and each index the table definition has, by name
 * (`<table arn>/index/BySyncCount`), not `index/*`: an index added later gets no access until this
 * definition names it.
 */
export const tableResources = (table: ITable): string[] => [
  table.tableArn,
  ...(tableDefinition('unused').LocalSecondaryIndexes ?? []).map((index) => `${table.tableArn}/index/${index.IndexName}`),
];
