import { describe, expect, it } from 'vitest';
import { OPERATIONS, type OperationSpec } from '../../lambdas/src/operations';
import { SyncError } from '../../lambdas/src/errors';
import { httpStatusOf } from '../../lambdas/src/protocol/errors';
import { findViolations, formatValidationMessage, validateInput } from '../../lambdas/src/protocol/validate';
import { TEST_IDENTITY_ID, TEST_POOL_ID } from '../helpers/events';

const ID_PATTERN = String.raw`[\w-]+:[0-9a-f-]+`;
const DS_PATTERN = '[a-zA-Z0-9_.:-]+';

const ref = { IdentityPoolId: TEST_POOL_ID, IdentityId: TEST_IDENTITY_ID, DatasetName: 'ds' };

function error(op: OperationSpec, input: Record<string, unknown>): SyncError {
  try {
    validateInput(op, input);
  } catch (e) {
    expect(e).toBeInstanceOf(SyncError);
    expect((e as SyncError).name).toBe('InvalidParameterException');
    expect(httpStatusOf((e as SyncError).code)).toBe(400);
    return e as SyncError;
  }
  throw new Error('expected InvalidParameterException');
}

const one = (value: string | null, path: string, constraint: string) =>
  `1 validation error detected: Value ${value === null ? 'null' : `'${value}'`} at '${path}' failed to satisfy constraint: ${constraint}`;

describe('valid input', () => {
  it('passes for each available operation', () => {
    expect(() => validateInput(OPERATIONS.DescribeDataset, ref)).not.toThrow();
    expect(() => validateInput(OPERATIONS.DeleteDataset, ref)).not.toThrow();
    expect(() => validateInput(OPERATIONS.DescribeIdentityUsage, ref)).not.toThrow();
    expect(() => validateInput(OPERATIONS.ListDatasets, { ...ref, MaxResults: 1, NextToken: 'x' })).not.toThrow();
    expect(() => validateInput(OPERATIONS.ListRecords, { ...ref, LastSyncCount: 0, MaxResults: 5000 })).not.toThrow();
    expect(() =>
      validateInput(OPERATIONS.UpdateRecords, {
        ...ref,
        SyncSessionToken: 't',
        DeviceId: 'd'.repeat(256),
        RecordPatches: [
          { Op: 'replace', Key: 'k'.repeat(1024), Value: '', SyncCount: 0 },
          { Op: 'remove', Key: 'k2', SyncCount: 7 },
        ],
      }),
    ).not.toThrow();
  });

  it('accepts ids at the limits and merged dataset names', () => {
    const id55 = `us-east-1:${'a'.repeat(45)}`;
    expect(id55).toHaveLength(55);
    expect(() => validateInput(OPERATIONS.DescribeDataset, { IdentityPoolId: id55, IdentityId: id55, DatasetName: `d.${TEST_IDENTITY_ID}` })).not.toThrow();
    expect(() => validateInput(OPERATIONS.DescribeDataset, { ...ref, DatasetName: 'x'.repeat(128) })).not.toThrow();
  });
});

describe('constraints and Coral messages', () => {
  it('IdentityPoolId pattern', () => {
    expect(error(OPERATIONS.DescribeDataset, { ...ref, IdentityPoolId: 'x' }).message).toBe(
      one('x', 'identityPoolId', `Member must satisfy regular expression pattern: ${ID_PATTERN}`),
    );
  });

  it.each(['us-east-1:abc\nx', 'xx us-east-1:ab', 'us-east-1:ABC', 'us-east-1:abc ', ' us-east-1:abc', 'us.east:1', 'é:1'])(
    'matches patterns against the whole value: %j is rejected',
    (bad) => {
      expect(error(OPERATIONS.DescribeIdentityUsage, { ...ref, IdentityId: bad }).message).toContain(
        `at 'identityId' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ID_PATTERN}`,
      );
    },
  );

  it('IdentityId too long: both length and (if any) pattern', () => {
    const long = `us-east-1:${'a'.repeat(46)}`;
    expect(error(OPERATIONS.DescribeIdentityUsage, { ...ref, IdentityId: long }).message).toBe(
      one(long, 'identityId', 'Member must have length less than or equal to 55'),
    );
  });

  it('empty id: length and pattern, counted as 2', () => {
    expect(error(OPERATIONS.DescribeIdentityUsage, { ...ref, IdentityPoolId: '' }).message).toBe(
      "2 validation errors detected: Value '' at 'identityPoolId' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        `Value '' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ID_PATTERN}`,
    );
  });

  it('DatasetName length and pattern', () => {
    const long = 'x'.repeat(129);
    expect(error(OPERATIONS.DescribeDataset, { ...ref, DatasetName: long }).message).toBe(
      one(long, 'datasetName', 'Member must have length less than or equal to 128'),
    );
    expect(error(OPERATIONS.DescribeDataset, { ...ref, DatasetName: 'a b' }).message).toBe(
      one('a b', 'datasetName', `Member must satisfy regular expression pattern: ${DS_PATTERN}`),
    );
    expect(error(OPERATIONS.DescribeDataset, { ...ref, DatasetName: 'a/b' }).message).toContain(DS_PATTERN);
  });

  it('two bad members: pool and identity (the AWS smoke test)', () => {
    expect(error(OPERATIONS.ListDatasets, { IdentityPoolId: 'INVALID', IdentityId: 'A:B:C' }).message).toBe(
      `2 validation errors detected: Value 'INVALID' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ID_PATTERN}; ` +
        `Value 'A:B:C' at 'identityId' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ID_PATTERN}`,
    );
  });

  it('missing path labels are "must not be null"', () => {
    expect(error(OPERATIONS.DescribeDataset, { IdentityPoolId: TEST_POOL_ID, IdentityId: TEST_IDENTITY_ID }).message).toBe(
      one(null, 'datasetName', 'Member must not be null'),
    );
  });

  it('MaxResults >= 1 and LastSyncCount >= 0', () => {
    expect(error(OPERATIONS.ListDatasets, { ...ref, MaxResults: 0 }).message).toBe(one('0', 'maxResults', 'Member must have value greater than or equal to 1'));
    expect(error(OPERATIONS.ListRecords, { ...ref, LastSyncCount: -1 }).message).toBe(
      one('-1', 'lastSyncCount', 'Member must have value greater than or equal to 0'),
    );
  });

  describe('UpdateRecords', () => {
    const base = { ...ref, SyncSessionToken: 't' };
    const patch = { Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 };

    it('SyncSessionToken is required', () => {
      expect(error(OPERATIONS.UpdateRecords, { ...ref }).message).toBe(one(null, 'syncSessionToken', 'Member must not be null'));
    });

    it('DeviceId length 1..256', () => {
      expect(error(OPERATIONS.UpdateRecords, { ...base, DeviceId: '' }).message).toBe(
        one('', 'deviceId', 'Member must have length greater than or equal to 1'),
      );
      const long = 'd'.repeat(257);
      expect(error(OPERATIONS.UpdateRecords, { ...base, DeviceId: long }).message).toBe(
        `1 validation error detected: Value '${'d'.repeat(64)}...' at 'deviceId' failed to satisfy constraint: Member must have length less than or equal to 256`,
      );
    });

    it('patch members: op enum, key length, value length, sync count', () => {
      expect(error(OPERATIONS.UpdateRecords, { ...base, RecordPatches: [patch, { ...patch, Key: 'b', Op: 'delete' }] }).message).toBe(
        one('delete', 'recordPatches.2.member.op', 'Member must satisfy enum value set: [replace, remove]'),
      );
      expect(error(OPERATIONS.UpdateRecords, { ...base, RecordPatches: [{ ...patch, Key: '' }] }).message).toBe(
        one('', 'recordPatches.1.member.key', 'Member must have length greater than or equal to 1'),
      );
      const longKey = 'k'.repeat(1025);
      expect(error(OPERATIONS.UpdateRecords, { ...base, RecordPatches: [{ ...patch, Key: longKey }] }).message).toBe(
        `1 validation error detected: Value '${'k'.repeat(64)}...' at 'recordPatches.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 1024`,
      );
      const bigValue = 'v'.repeat(1048576);
      const m = error(OPERATIONS.UpdateRecords, { ...base, RecordPatches: [{ ...patch, Value: bigValue }] }).message;
      expect(m).toBe(
        `1 validation error detected: Value '${'v'.repeat(64)}...' at 'recordPatches.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 1048575`,
      );
      expect(() => validateInput(OPERATIONS.UpdateRecords, { ...base, RecordPatches: [{ ...patch, Value: 'v'.repeat(1048575) }] })).not.toThrow();
      expect(error(OPERATIONS.UpdateRecords, { ...base, RecordPatches: [{ ...patch, SyncCount: -2 }] }).message).toBe(
        one('-2', 'recordPatches.1.member.syncCount', 'Member must have value greater than or equal to 0'),
      );
    });

    it('required patch members', () => {
      expect(error(OPERATIONS.UpdateRecords, { ...base, RecordPatches: [{}] }).message).toBe(
        "3 validation errors detected: Value null at 'recordPatches.1.member.op' failed to satisfy constraint: Member must not be null; " +
          "Value null at 'recordPatches.1.member.key' failed to satisfy constraint: Member must not be null; " +
          "Value null at 'recordPatches.1.member.syncCount' failed to satisfy constraint: Member must not be null",
      );
    });

    it('counts every violation of the request', () => {
      const violations = findViolations(OPERATIONS.UpdateRecords, {
        IdentityPoolId: 'bad',
        IdentityId: TEST_IDENTITY_ID,
        DatasetName: 'ds',
        RecordPatches: [
          { ...patch, Op: 'x' },
          { ...patch, Key: 'b', SyncCount: -1 },
        ],
      });
      expect(violations.map((v) => v.path)).toEqual(['identityPoolId', 'recordPatches.1.member.op', 'recordPatches.2.member.syncCount', 'syncSessionToken']);
      expect(formatValidationMessage(violations)).toMatch(/^4 validation errors detected: /);
    });

    it('caps the listed violations but keeps the count', () => {
      const patches = Array.from({ length: 100 }, (_, i) => ({ ...patch, Key: `k${i}`, Op: 'x' }));
      const m = error(OPERATIONS.UpdateRecords, { ...base, RecordPatches: patches }).message;
      expect(m).toMatch(/^100 validation errors detected: /);
      expect(m).toContain('(68 more not shown)');
    });

    it('duplicate keys', () => {
      expect(error(OPERATIONS.UpdateRecords, { ...base, RecordPatches: [patch, { ...patch, Op: 'remove' }] }).message).toBe(
        'Duplicate record key in RecordPatches: k',
      );
    });
  });

  describe('later operations', () => {
    const pool = { IdentityPoolId: TEST_POOL_ID };

    it('Platform enum and required Token', () => {
      expect(error(OPERATIONS.RegisterDevice, { ...pool, IdentityId: TEST_IDENTITY_ID, Platform: 'IOS', Token: 't' }).message).toBe(
        one('IOS', 'platform', 'Member must satisfy enum value set: [APNS, APNS_SANDBOX, GCM, ADM]'),
      );
      expect(error(OPERATIONS.RegisterDevice, { ...pool, IdentityId: TEST_IDENTITY_ID, Platform: 'GCM' }).message).toBe(
        one(null, 'token', 'Member must not be null'),
      );
    });

    it('Events: at most one entry, required', () => {
      expect(error(OPERATIONS.SetCognitoEvents, { ...pool, Events: { A: 'a', B: 'b' } }).message).toBe(
        one('{A=a, B=b}', 'events', 'Member must have length less than or equal to 1'),
      );
      expect(error(OPERATIONS.SetCognitoEvents, pool).message).toBe(one(null, 'events', 'Member must not be null'));
    });

    it('PushSync and CognitoStreams members', () => {
      const m = error(OPERATIONS.SetIdentityPoolConfiguration, {
        ...pool,
        PushSync: { ApplicationArns: ['arn:aws:sns:us-east-1:123:app/GCM/ok', 'nope'], RoleArn: 'arn:aws:iam::1:r' },
        CognitoStreams: { StreamName: '', StreamingStatus: 'ON' },
      }).message;
      expect(m).toMatch(/^5 validation errors detected: /);
      expect(m).toContain("Value 'nope' at 'pushSync.applicationArns.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern");
      expect(m).toContain("at 'pushSync.roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20");
      expect(m).toContain("at 'cognitoStreams.streamName' failed to satisfy constraint: Member must have length greater than or equal to 1");
      expect(m).toContain(
        "Value 'ON' at 'cognitoStreams.streamingStatus' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]",
      );
    });
  });
});

describe('strings that are not well-formed Unicode', () => {
  const WELL_FORMED = 'Member must be well-formed Unicode (no unpaired surrogate)';
  const patch = { Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 };
  const update = (over: Record<string, unknown>) => ({ ...ref, SyncSessionToken: 't', RecordPatches: [patch], ...over });

  it.each([
    ['a lone high surrogate in a key', { RecordPatches: [{ ...patch, Key: 'k\ud800' }] }, 'k\\uD800', 'recordPatches.1.member.key'],
    ['a lone low surrogate in a key', { RecordPatches: [patch, { ...patch, Key: 'k\udc00' }] }, 'k\\uDC00', 'recordPatches.2.member.key'],
    ['a reversed pair in a value', { RecordPatches: [{ ...patch, Value: '\ude00\ud83d' }] }, '\\uDE00\\uD83D', 'recordPatches.1.member.value'],
    ['a lone surrogate in the SyncSessionToken', { SyncSessionToken: 't\ud800' }, 't\\uD800', 'syncSessionToken'],
    ['a lone surrogate in the DeviceId', { DeviceId: '\udfff' }, '\\uDFFF', 'deviceId'],
    ['a lone surrogate in the ClientContext header', { ClientContext: 'c\ud800' }, 'c\\uD800', 'clientContext'],
  ])('rejects %s', (_what, over, shown, path) => {
    expect(error(OPERATIONS.UpdateRecords, update(over)).message).toBe(one(shown, path, WELL_FORMED));
  });

  it('rejects them in ids, names and tokens of every shape', () => {
    expect(error(OPERATIONS.ListRecords, { ...ref, NextToken: 'n\ud800' }).message).toBe(one('n\\uD800', 'nextToken', WELL_FORMED));
    const names = error(OPERATIONS.DescribeDataset, { ...ref, DatasetName: 'd\ud800' }).message;
    expect(names).toContain(`at 'datasetName' failed to satisfy constraint: ${WELL_FORMED}`);
    const events = error(OPERATIONS.SetCognitoEvents, { IdentityPoolId: TEST_POOL_ID, Events: { 'e\ud800': 'x' } }).message;
    expect(events).toContain(`Value 'e\\uD800' at 'events' failed to satisfy constraint: ${WELL_FORMED}`);
  });

  it('accepts surrogate pairs (emoji and other characters beyond the BMP)', () => {
    expect(() => validateInput(OPERATIONS.UpdateRecords, update({ RecordPatches: [{ ...patch, Key: 'k😀', Value: '𝄞 music' }] }))).not.toThrow();
  });
});
