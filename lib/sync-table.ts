/**
 * The DynamoDB table, built from `tableDefinition` (lambdas/src/adapters/dynamodb/table-schema.ts), the
 * definition the local runtime and the tests create: keys, index and stream cannot drift apart.
 * Deployed, it adds what only AWS has: on-demand billing, point-in-time recovery, deletion
 * protection and a retain policy (both by default), and TTL.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_KEYS, tableDefinition } from '../lambdas/src/adapters/dynamodb/table-schema';

export interface SyncTableProps {
  /**
   * Keep the table when the stack is deleted, and refuse `DeleteTable` until the protection is
   * turned off. Turn off only for throw-away stacks.
   * @default true
   */
  readonly retainData?: boolean;
}

const ATTRIBUTE_TYPES: Readonly<Record<string, AttributeType>> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

export class SyncTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: SyncTableProps = {}) {
    super(scope, id);
    const retain = props.retainData ?? true;
    const def = tableDefinition('unused');

    const attribute = (name: string) => {
      const found = def.AttributeDefinitions?.find((a) => a.AttributeName === name);
      const type = found?.AttributeType && ATTRIBUTE_TYPES[found.AttributeType];
      if (!type) throw new Error(`tableDefinition has no attribute type for ${name}`);
      return { name, type };
    };
    const keyOf = (schema: typeof def.KeySchema, keyType: 'HASH' | 'RANGE') => {
      const name = schema?.find((k) => k.KeyType === keyType)?.AttributeName;
      if (!name) throw new Error(`tableDefinition has no ${keyType} key`);
      return attribute(name);
    };

    if (def.BillingMode !== 'PAY_PER_REQUEST') throw new Error('SyncTable expects an on-demand table definition');
    const viewType = def.StreamSpecification?.StreamViewType as StreamViewType | undefined;
    if (!viewType || !Object.values(StreamViewType).includes(viewType)) throw new Error('tableDefinition has no stream');

    this.table = new Table(this, 'Table', {
      partitionKey: keyOf(def.KeySchema, 'HASH'),
      sortKey: keyOf(def.KeySchema, 'RANGE'),
      billingMode: BillingMode.PAY_PER_REQUEST,
      // The change feed (Kinesis, push) of later issues reads committed syncs from here.
      stream: viewType,
      timeToLiveAttribute: TABLE_KEYS.timeToLive,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of def.LocalSecondaryIndexes ?? []) {
      if (!index.IndexName) throw new Error('tableDefinition has an unnamed local secondary index');
      if (index.Projection?.ProjectionType !== 'ALL') throw new Error(`SyncTable expects ${index.IndexName} to project ALL`);
      this.table.addLocalSecondaryIndex({
        indexName: index.IndexName,
        sortKey: keyOf(index.KeySchema, 'RANGE'),
        projectionType: ProjectionType.ALL,
      });
    }
  }
}
