/**
 * A writer that dies on purpose: it runs one large UpdateRecords and SIGKILLs itself right after
 * the commit step named in CRASH_AT, so the crash tests can look at what it left behind.
 *
 * Input (environment): DYNAMO_ENDPOINT, TABLE_NAME, IDENTITY_ID, CRASH_AT, PATCHES, VALUE, LEASE_MS, and
 * PAD: bytes appended to each value (`<VALUE>-<i>-xxx...`), so that the update grows or shrinks the
 * dataset across the single-item threshold; SYNC_SINGLE_ITEM_MAX_BYTES as the service reads it.
 */
import { createDynamoDBLocalClient } from '../../lambdas/local/emulators/dynamodb-local';
import { DynamoDBSyncStore } from '../../lambdas/src/adapters/dynamodb/sync-store';
import { loadConfig } from '../../lambdas/src/config';
import { systemClock } from '../../lambdas/src/domain/ports';
import { CognitoSyncService } from '../../lambdas/src/domain/sync-service';
import { TokenCodec } from '../../lambdas/src/domain/tokens';
import { datasetOf, identityPrincipal, paddedValue, replace, TOKEN_KEY } from './identities';

async function main() {
  const env = process.env;
  const client = createDynamoDBLocalClient(env.DYNAMO_ENDPOINT!);
  const store = new DynamoDBSyncStore(client, env.TABLE_NAME!, {
    commitLeaseMs: Number(env.LEASE_MS),
    singleItemMaxBytes: loadConfig(env).storage.singleItemMaxBytes,
    onCommitStep: (step) => {
      if (step === env.CRASH_AT) process.kill(process.pid, 'SIGKILL');
    },
  });
  const service = new CognitoSyncService({ store, clock: systemClock, tokens: new TokenCodec(TOKEN_KEY) });
  const identityId = env.IDENTITY_ID!;
  const dataset = datasetOf(identityId);
  const principal = identityPrincipal(identityId);
  const listed = await service.listRecords(principal, dataset);
  const counts = new Map(listed.Records.map((r) => [r.Key, r.SyncCount]));
  const patches = Array.from({ length: Number(env.PATCHES) }, (_, i) => {
    const key = `key-${i}`;
    return replace(key, paddedValue(env.VALUE!, i, Number(env.PAD ?? 0)), counts.get(key) ?? 0);
  });
  await service.updateRecords(principal, { ...dataset, SyncSessionToken: listed.SyncSessionToken, RecordPatches: patches });
  process.stdout.write('finished\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(2);
});
