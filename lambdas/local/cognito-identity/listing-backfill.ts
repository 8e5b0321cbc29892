/**
 * The listing partitions of the local Cognito Identity (identity-store.ts), and their backfill: a
 * data directory made before ListIdentityPools and ListIdentities existed has pools and identities
 * but no listing entries. The first listing of a process scans for them once and writes the entries
 * (idempotent puts), then a marker, so later starts skip the scan.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';

export const POOL_LISTING = 'LOCALPOOLS';
export const poolIdentitiesListing = (identityPoolId: string) => `LOCALPOOLIDENTITIES#${identityPoolId}`;

export const poolListingEntry = (identityPoolId: string, identityPoolName: string) => ({
  PK: POOL_LISTING,
  SK: identityPoolId,
  IdentityPoolName: identityPoolName,
});
export const identityListingEntry = (identityPoolId: string, identityId: string, createdAt: string) => ({
  PK: poolIdentitiesListing(identityPoolId),
  SK: identityId,
  CreatedAt: createdAt,
});

/** Sorts before every id (ids start with a region): listings start after it, so they never show the marker. */
export const LISTING_START = '#';
const MARKER = { PK: POOL_LISTING, SK: LISTING_START };

export async function backfillListings(documents: DynamoDBDocumentClient, tableName: string): Promise<void> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: MARKER, ConsistentRead: true }));
  if (Item) return;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '(begins_with(PK, :pool) AND SK = :poolSk) OR (begins_with(PK, :identity) AND SK = :identitySk)',
        ExpressionAttributeValues: { ':pool': 'LOCALPOOL#', ':poolSk': 'POOL', ':identity': 'LOCALIDENTITY#', ':identitySk': 'IDENTITY' },
        ExclusiveStartKey,
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) {
      const entry =
        item.SK === 'POOL'
          ? poolListingEntry(String(item.IdentityPoolId), String(item.IdentityPoolName))
          : identityListingEntry(String(item.IdentityPoolId), String(item.IdentityId), String(item.CreatedAt));
      await documents.send(new PutCommand({ TableName: tableName, Item: entry }));
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  await documents.send(new PutCommand({ TableName: tableName, Item: MARKER }));
}
