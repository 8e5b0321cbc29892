/**
 * The fuzzer's world, made through the real API before the first hostile request: two identity
 * pools, victims (identities whose data must come out of the run unchanged) and the fuzzer's own
 * identities (which developer-signed and self-signed requests may change at will), each with
 * datasets, records, a tombstone and a SyncSessionToken per dataset.
 */
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand, type RecordPatch } from '@aws-sdk/client-cognito-sync';
import type { SigningCredentials } from './sign';

export interface PartyDataset {
  readonly name: string;
  /** A SyncSessionToken for this dataset (valid for an hour). */
  readonly token: string;
  /** Record keys and their sync counts when the world was made. */
  readonly counts: Readonly<Record<string, number>>;
}

export interface Party {
  readonly label: string;
  readonly pool: string;
  readonly identityId: string;
  readonly credentials: Required<SigningCredentials>;
  readonly datasets: readonly PartyDataset[];
}

export interface World {
  readonly port: number;
  /** The Host header value. */
  readonly host: string;
  readonly region: string;
  readonly developer: SigningCredentials;
  readonly victimPool: string;
  readonly fuzzerPool: string;
  /** Their data must not change. Only unauthorized requests (another identity, unsigned, bad signatures) aim at them. */
  readonly victims: readonly Party[];
  /** The fuzzer's own identities: developer-signed and self-signed requests aim at these. */
  readonly fuzzers: readonly Party[];
  /** A real ListRecords NextToken of a fuzzer dataset. */
  readonly fuzzerNextToken: string;
}

export interface WorldOptions {
  readonly url: string;
  readonly region: string;
  readonly developer: SigningCredentials;
}

/** Records each party starts with: plain, non-BMP, a value to be removed (a tombstone), updated twice. */
const HISTORY: readonly (readonly Omit<RecordPatch, 'SyncCount'>[])[] = [
  [
    { Op: 'replace', Key: 'colour', Value: 'blue' },
    { Op: 'replace', Key: 'emoji 😀', Value: 'ünïcödé ✓' },
    { Op: 'replace', Key: 'doomed', Value: 'soon gone' },
  ],
  [
    { Op: 'replace', Key: 'colour', Value: 'green' },
    { Op: 'remove', Key: 'doomed' },
  ],
];

export async function makeWorld(options: WorldOptions): Promise<World> {
  const { url, region, developer } = options;
  const identity = new CognitoIdentityClient({ region, endpoint: url, credentials: developer, maxAttempts: 1 });
  const anonymous = new CognitoIdentityClient({ region, endpoint: url, maxAttempts: 1 });
  try {
    const createPool = async (name: string): Promise<string> => {
      const out = await identity.send(new CreateIdentityPoolCommand({ IdentityPoolName: name, AllowUnauthenticatedIdentities: true }));
      if (!out.IdentityPoolId) throw new Error('CreateIdentityPool returned no IdentityPoolId');
      return out.IdentityPoolId;
    };
    const victimPool = await createPool('fuzz victims');
    const fuzzerPool = await createPool('fuzz attackers');

    const makeParty = async (label: string, pool: string, datasetNames: readonly string[]): Promise<Party> => {
      const { IdentityId } = await anonymous.send(new GetIdCommand({ IdentityPoolId: pool }));
      const out = await anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId }));
      const c = out.Credentials;
      if (!IdentityId || !c?.AccessKeyId || !c.SecretKey || !c.SessionToken) throw new Error('incomplete Cognito Identity answer');
      const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken };
      const sync = new CognitoSyncClient({ region, endpoint: url, credentials, maxAttempts: 1 });
      try {
        const datasets: PartyDataset[] = [];
        for (const name of datasetNames) {
          const ref = { IdentityPoolId: pool, IdentityId, DatasetName: name };
          for (const step of HISTORY) {
            const listed = await sync.send(new ListRecordsCommand(ref));
            const counts = new Map((listed.Records ?? []).map((r) => [r.Key, r.SyncCount ?? 0]));
            await sync.send(
              new UpdateRecordsCommand({
                ...ref,
                SyncSessionToken: listed.SyncSessionToken,
                RecordPatches: step.map((p) => ({ ...p, SyncCount: counts.get(p.Key) ?? 0 })),
              }),
            );
          }
          const listed = await sync.send(new ListRecordsCommand(ref));
          datasets.push({
            name,
            token: listed.SyncSessionToken as string,
            counts: Object.fromEntries((listed.Records ?? []).map((r) => [r.Key as string, r.SyncCount ?? 0])),
          });
        }
        return { label, pool, identityId: IdentityId, credentials, datasets };
      } finally {
        sync.destroy();
      }
    };

    const victims = [
      await makeParty('victim0', victimPool, ['settings', 'scores.v2']),
      await makeParty('victim1', victimPool, ['settings']),
      await makeParty('victim2', victimPool, ['a:b_c-d.e']),
    ];
    const fuzzers = [
      await makeParty('fuzzer0', victimPool, ['settings', 'scratch']),
      await makeParty('fuzzer1', victimPool, ['settings']),
      await makeParty('fuzzer2', fuzzerPool, ['settings']),
    ];

    // A genuine NextToken, to replay where it does not belong.
    const sync = new CognitoSyncClient({ region, endpoint: url, credentials: fuzzers[0].credentials, maxAttempts: 1 });
    let fuzzerNextToken: string;
    try {
      const page = await sync.send(
        new ListRecordsCommand({ IdentityPoolId: fuzzers[0].pool, IdentityId: fuzzers[0].identityId, DatasetName: 'settings', MaxResults: 1 }),
      );
      if (!page.NextToken) throw new Error('expected a NextToken from a one-record page');
      fuzzerNextToken = page.NextToken;
    } finally {
      sync.destroy();
    }

    const { port, host } = new URL(url);
    return { port: Number(port), host, region, developer, victimPool, fuzzerPool, victims, fuzzers, fuzzerNextToken };
  } finally {
    identity.destroy();
    anonymous.destroy();
  }
}
