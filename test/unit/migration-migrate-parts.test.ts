/**
 * The migrate command's parts on their own (issue 13): the token bucket of `--rate`, the checkpoint
 * file (atomic, resumable), the progress view (redrawn in place on a terminal, a line per interval
 * elsewhere), the target's write decision, and what of a pool configuration needs action.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checkpoint } from '../../lambdas/migration/migrate/checkpoint';
import { poolConfigurationActions } from '../../lambdas/migration/migrate/pool-actions';
import { emptyCounts, progressLine, progressView } from '../../lambdas/migration/migrate/progress';
import { TokenBucket } from '../../lambdas/migration/migrate/rate-limiter';
import { runMigration } from '../../lambdas/migration/migrate/runner';
import { retryingCall } from '../../lambdas/migration/source/call';
import type { DatasetSnapshot, DatasetSource, DatasetTarget } from '../../lambdas/migration/model';
import { decide, headOfSnapshot, MIGRATION_WRITER } from '../../lambdas/migration/target/dataset-import';
import type { DatasetHead } from '../../lambdas/src/domain/ports';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'migration-parts-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('TokenBucket', () => {
  it('lets a burst through, then one request per 1/rate seconds, in order', async () => {
    let now = 0;
    const waits: number[] = [];
    const bucket = new TokenBucket({
      ratePerSecond: 10,
      burst: 2,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => bucket.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    // Two from the burst, then 100 ms for each further token.
    expect(waits).toEqual([100, 100]);
    expect(now).toBe(200);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow(/positive/);
  });
});

describe('Checkpoint', () => {
  const address = { identityPoolId: 'us-east-1:p', identityId: 'us-east-1:i', datasetName: 'a#b"c' };

  it('is written whole by a rename and read back by the next run', async () => {
    const path = join(directory, 'checkpoint.json');
    const first = await Checkpoint.open(path);
    expect(first.copied(address)).toBeUndefined();
    first.markCopied(address, { syncCount: 7, fingerprint: 'f' });
    first.markPoolCopied('us-east-1:p');
    await first.save();
    // No temporary file is left beside it.
    expect((await readdir(directory)).filter((name) => name.startsWith('checkpoint'))).toEqual(['checkpoint.json']);
    const second = await Checkpoint.open(path);
    expect(second.copied(address)).toEqual({ syncCount: 7, fingerprint: 'f' });
    expect(second.datasetsOf('us-east-1:p', 'us-east-1:i')).toEqual(['a#b"c']);
    expect(second.poolCopied('us-east-1:p')).toBe(true);
  });

  it('refuses a file that is not a checkpoint rather than starting over', async () => {
    const path = join(directory, 'other.json');
    await writeFile(path, JSON.stringify({ some: 'thing' }));
    await expect(Checkpoint.open(path)).rejects.toThrow(/not a migration checkpoint/);
    expect(await readFile(path, 'utf8')).toBe(JSON.stringify({ some: 'thing' }));
  });
});

describe('progress', () => {
  const counts = {
    ...emptyCounts(),
    identitiesListed: 100,
    listingDone: true,
    identitiesDone: 25,
    datasets: 50,
    copied: 40,
    unchanged: 10,
    records: 20_000,
    bytes: 3 * 1024 * 1024,
  };

  it('shows identities, datasets, records, bytes, rates and the ETA', () => {
    expect(progressLine(counts, 10_000, true)).toBe(
      '[######..................] 25% identities 25/100 datasets 50 (copied 40, unchanged 10, conflicts 0) records 20.0k 3.0 MiB 3 id/s 2000 rec/s ETA 30s',
    );
    // Before the listing is complete the total is a lower bound and there is no ETA.
    expect(progressLine({ ...counts, listingDone: false }, 10_000, false)).toMatch(/^identities 25\/100\+ .* ETA \?$/);
  });

  it('redraws one line in place on a terminal, and writes plain lines elsewhere', () => {
    const written: string[] = [];
    const tty = progressView(counts, { stream: { isTTY: true, columns: 60, write: (t: string) => written.push(t) > 0 }, now: () => 0 });
    tty.start();
    tty.stop();
    expect(written[0].startsWith('\r\x1b[2K')).toBe(true);
    expect(written[0].length).toBeLessThanOrEqual('\r\x1b[2K'.length + 59);
    expect(written[1]).toBe('\n');
    const lines: string[] = [];
    const plain = progressView(counts, { stream: { isTTY: false, write: (t: string) => lines.push(t) > 0 }, now: () => 0 });
    plain.start();
    plain.stop();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^identities 25\/100 .*\n$/);
  });
});

describe("the target's write decision", () => {
  const snapshot: DatasetSnapshot = {
    identityPoolId: 'p',
    identityId: 'i',
    datasetName: 'd',
    syncCount: 5,
    creationDate: 1,
    lastModifiedDate: 2,
    lastModifiedBy: 'i',
    deletedAtSyncCount: 2,
    records: [
      { key: 'a', value: 'xy', syncCount: 3, lastModifiedDate: 2, lastModifiedBy: 'i' },
      { key: 'b', syncCount: 5, lastModifiedDate: 2, lastModifiedBy: 'i' },
    ],
  };
  const head = (over: Partial<DatasetHead>): DatasetHead => ({ ...headOfSnapshot(snapshot, undefined), ...over });

  it('writes a new dataset, the records above its own count over its own copy, and nothing else', () => {
    expect(decide(undefined, snapshot, undefined)).toEqual({ write: true, above: 0 });
    expect(decide(head({ syncCount: 3 }), snapshot, 3)).toEqual({ write: true, above: 3 });
    expect(decide(head({}), snapshot, undefined)).toEqual({ write: false, outcome: { kind: 'unchanged' } });
    // An app wrote after the copy (its DeviceId, or none, replaced the mark), or deleted it, or the
    // count is beyond the source's: a conflict.
    for (const changed of [head({ syncCount: 4, lastDeviceId: undefined }), head({ syncCount: 3, deleted: true }), head({ syncCount: 6 })]) {
      expect(decide(changed, snapshot, 3)).toEqual({ write: false, outcome: { kind: 'conflict', targetSyncCount: changed.syncCount, expectedSyncCount: 3 } });
    }
  });

  it("keeps the source's counts, dates and deletion floor, and counts live records only", () => {
    expect(headOfSnapshot(snapshot, undefined)).toEqual({
      name: 'd',
      syncCount: 5,
      deleted: false,
      floor: 2,
      deletedAtSyncCount: 2,
      creationDate: 1,
      lastModifiedDate: 2,
      lastModifiedBy: 'i',
      numRecords: 1,
      dataStorage: 3,
      lastDeviceId: MIGRATION_WRITER,
    });
  });
});

describe('pool configuration actions', () => {
  it('names every ARN this deployment must be allowed to use, and says which are in another account', () => {
    const actions = poolConfigurationActions(
      {
        identityPoolId: 'p',
        pushSync: { ApplicationArns: ['arn:aws:sns:us-east-1:111111111111:app/GCM/a'], RoleArn: 'arn:aws:iam::111111111111:role/push' },
        cognitoStreams: { StreamName: 's', RoleArn: 'arn:aws:iam::222222222222:role/streams', StreamingStatus: 'ENABLED' },
        cognitoEvents: { SyncTrigger: 'arn:aws:lambda:us-east-1:222222222222:function:f' },
      },
      '222222222222',
    );
    expect(actions).toHaveLength(4);
    expect(actions[0]).toContain('account 111111111111, not the target');
    expect(actions[2]).not.toContain('not the target');
    expect(poolConfigurationActions({ identityPoolId: 'p' })).toEqual([]);
  });
});

describe('the runner', () => {
  it('lists a pool ahead of the workers, so that the total (and the ETA) is known from the first copy', async () => {
    const identities = ['i1', 'i2', 'i3', 'i4', 'i5'];
    const snapshot = (identityId: string): DatasetSnapshot => ({
      identityPoolId: 'p',
      identityId,
      datasetName: 'd',
      syncCount: 1,
      creationDate: 1,
      lastModifiedDate: 1,
      lastModifiedBy: identityId,
      records: [],
    });
    const source: DatasetSource = {
      async *listIdentities() {
        yield* identities;
      },
      listDatasets: async (identityPoolId, identityId) => [
        { identityPoolId, identityId, datasetName: 'd', lastModifiedDate: 1, numRecords: 0, dataStorage: 0 },
      ],
      readDataset: async (address) => snapshot(address.identityId),
      readPoolConfiguration: async () => undefined,
    };
    const counts = emptyCounts();
    const seenAtWrites: [number, boolean][] = [];
    const target = {
      ...source,
      writeDataset: async () => {
        // A write takes a while (here one turn of the event loop); the listing goes on meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
        seenAtWrites.push([counts.identitiesListed, counts.listingDone]);
        return { kind: 'written', records: 0, bytes: 0 } as const;
      },
      writePoolConfiguration: async () => undefined,
    } satisfies DatasetTarget;
    const report = await runMigration({ source, target, pools: ['p'], checkpoint: await Checkpoint.open(undefined), concurrency: 1, counts });
    expect(report.datasets.copied).toBe(5);
    expect(seenAtWrites[0]).toEqual([5, true]);
  });

  it('retries a target write that DynamoDB throttled, and reports a conflict without writing', async () => {
    const identities = ['i1', 'i2'];
    const source: DatasetSource = {
      async *listIdentities() {
        yield* identities;
      },
      listDatasets: async (identityPoolId, identityId) => [
        { identityPoolId, identityId, datasetName: 'd', lastModifiedDate: 1, numRecords: 0, dataStorage: 0 },
      ],
      readDataset: async (address) => ({ ...address, syncCount: 3, creationDate: 1, lastModifiedDate: 1, lastModifiedBy: 'x', records: [] }),
      readPoolConfiguration: async () => undefined,
    };
    let throttled = 0;
    const target = {
      ...source,
      writeDataset: async (snapshot: DatasetSnapshot) => {
        if (throttled === 0) {
          throttled++;
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
            name: 'TooManyRequestsException',
            $metadata: { httpStatusCode: 400 },
          });
        }
        return snapshot.identityId === 'i2'
          ? ({ kind: 'conflict', targetSyncCount: 5, expectedSyncCount: undefined } as const)
          : ({ kind: 'written', records: 0, bytes: 0 } as const);
      },
      writePoolConfiguration: async () => undefined,
    } satisfies DatasetTarget;
    const checkpoint = await Checkpoint.open(undefined);
    const report = await runMigration({ source, target, pools: ['p'], checkpoint, concurrency: 1, targetCall: retryingCall({ baseDelayMs: 1 }) });
    expect(throttled).toBe(1);
    expect(report.datasets).toEqual({ total: 2, copied: 1, unchanged: 0, conflicts: 1 });
    expect(report.conflicts).toEqual([
      { identityPoolId: 'p', identityId: 'i2', datasetName: 'd', sourceSyncCount: 3, targetSyncCount: 5, lastCopiedSyncCount: null },
    ]);
    // The conflicting dataset is not checkpointed: the next run looks at it again.
    expect(checkpoint.copied({ identityPoolId: 'p', identityId: 'i2', datasetName: 'd' })).toBeUndefined();
    expect(checkpoint.copied({ identityPoolId: 'p', identityId: 'i1', datasetName: 'd' })?.syncCount).toBe(3);
  });
});
