/**
 * The drop-in keys in their own DynamoDB table (partition key `pk`, TTL attribute `expiresAt`):
 *
 * | item              | attributes                                                                 |
 * |-------------------|----------------------------------------------------------------------------|
 * | `K#<access key>`  | `identityId`, `identityPoolId`, `tokenSha256`, `region`, `expiresAt` (epoch s, TTL), `sealed` (binary: the signing keys, encrypted) |
 * | `I#<identity id>` | `identityPoolId`: the pool a GetId answer named for that identity (an identity never changes pool); `expiresAt` 30 days on, so that identities nobody uses (a flood of GetId calls) do not pile up: the relay finds the pool again from GetOpenIdToken |
 *
 * Only the signing keys are secret; they are sealed (KeyCipher, KMS deployed) with an encryption
 * context naming the access key, identity and pool, so a ciphertext moved to another item, or an
 * item whose identity was rewritten, does not open. The table's own leak is the README's threat model.
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DropInKey } from './drop-in-key';
import { KEY_TABLE_PARTITION_KEY } from './key-table-schema';
import type { DropInKeyReader, DropInKeyWriter, KeyCipher } from './ports';

export const KEY_ITEM_PREFIX = 'K#';
export const POOL_ITEM_PREFIX = 'I#';
export const TTL_ATTRIBUTE = 'expiresAt';
/** How long an identity -> pool item stays without being written again. */
export const POOL_ITEM_TTL_MS = 30 * 24 * 60 * 60 * 1000;

const contextOf = (key: Pick<DropInKey, 'accessKeyId' | 'identityId' | 'identityPoolId'>): Record<string, string> => ({
  accessKeyId: key.accessKeyId,
  identityId: key.identityId,
  identityPoolId: key.identityPoolId,
});

/** The signing keys as one plaintext: `{ "<YYYYMMDD>": "<base64 kSigning>" }`. */
const encodeKeys = (keys: Readonly<Record<string, Uint8Array>>): Uint8Array =>
  Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(keys).map(([d, k]) => [d, Buffer.from(k).toString('base64')]))));

const decodeKeys = (plaintext: Uint8Array): Record<string, Uint8Array> =>
  Object.fromEntries(
    Object.entries(JSON.parse(Buffer.from(plaintext).toString('utf8')) as Record<string, string>).map(([d, k]) => [d, Buffer.from(k, 'base64')]),
  );

export class DynamoDBDropInKeyStore implements DropInKeyReader, DropInKeyWriter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly cipher: KeyCipher,
  ) {}

  async put(key: DropInKey): Promise<void> {
    const sealed = await this.cipher.seal(encodeKeys(key.signingKeys), contextOf(key));
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          [KEY_TABLE_PARTITION_KEY]: { S: KEY_ITEM_PREFIX + key.accessKeyId },
          identityId: { S: key.identityId },
          identityPoolId: { S: key.identityPoolId },
          tokenSha256: { S: key.sessionTokenSha256 },
          region: { S: key.region },
          [TTL_ATTRIBUTE]: { N: String(Math.ceil(key.expiresAtMs / 1000)) },
          sealed: { B: sealed },
        },
      }),
    );
  }

  async get(accessKeyId: string): Promise<DropInKey | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { [KEY_TABLE_PARTITION_KEY]: { S: KEY_ITEM_PREFIX + accessKeyId } }, ConsistentRead: true }),
    );
    if (!Item?.sealed?.B || !Item.identityId?.S || !Item.identityPoolId?.S || !Item.tokenSha256?.S || !Item.region?.S || !Item[TTL_ATTRIBUTE]?.N) {
      return undefined;
    }
    const subject = { accessKeyId, identityId: Item.identityId.S, identityPoolId: Item.identityPoolId.S };
    const plaintext = await this.cipher.open(Item.sealed.B, contextOf(subject));
    return {
      ...subject,
      sessionTokenSha256: Item.tokenSha256.S,
      region: Item.region.S,
      expiresAtMs: Number(Item[TTL_ATTRIBUTE].N) * 1000,
      signingKeys: decodeKeys(plaintext),
    };
  }

  async rememberPool(identityId: string, identityPoolId: string, nowMs: number = Date.now()): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          [KEY_TABLE_PARTITION_KEY]: { S: POOL_ITEM_PREFIX + identityId },
          identityPoolId: { S: identityPoolId },
          [TTL_ATTRIBUTE]: { N: String(Math.ceil((nowMs + POOL_ITEM_TTL_MS) / 1000)) },
        },
      }),
    );
  }

  async poolOf(identityId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { [KEY_TABLE_PARTITION_KEY]: { S: POOL_ITEM_PREFIX + identityId } } }),
    );
    return Item?.identityPoolId?.S;
  }
}
