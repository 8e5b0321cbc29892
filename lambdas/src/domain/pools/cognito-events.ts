/**
 * GetCognitoEvents and SetCognitoEvents: a pool's `Events` map, kept on the pool's settings item
 * beside its configuration and written under the same version (pool-configurations.ts explains the
 * read-merge-write), so that a SetCognitoEvents racing a SetIdentityPoolConfiguration loses neither.
 *
 * The map has one event type, `SyncTrigger`, whose value is the Lambda function that UpdateRecords
 * invokes (records/sync-trigger-step.ts). A Set updates only the keys it names; an empty value
 * removes its key.
 */
import { Errors } from '../../errors';
import type { CognitoEvents, PoolRef } from './model';
import type { PoolDirectory, PoolSettingsStore } from './ports';
import { SET_ATTEMPTS } from './pool-configurations';

/** The only event type Cognito Sync has. */
export const SYNC_TRIGGER = 'SyncTrigger';

/**
 * A Lambda function ARN, with an optional version or alias: what a sync trigger may name. The model
 * gives the value no pattern, but a value that is not a function could never be invoked, so it is
 * refused when it is set rather than on every sync after.
 */
export const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}(?::(?:\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

export interface SetCognitoEventsInput extends PoolRef {
  readonly Events: CognitoEvents;
}

export interface CognitoEventsDeps {
  readonly store: PoolSettingsStore;
  readonly directory: PoolDirectory;
  /** Told after a Set commits, so that this process's cached trigger (sync-trigger-lookup.ts) is dropped at once. */
  readonly changed?: (identityPoolId: string) => void;
}

/** The map after a Set: each key given replaces its value, and an empty value removes the key. */
export function mergeEvents(stored: CognitoEvents, given: CognitoEvents): CognitoEvents {
  const merged: Record<string, string> = { ...stored };
  for (const [type, arn] of Object.entries(given)) {
    if (arn === '') delete merged[type];
    else merged[type] = arn;
  }
  return merged;
}

/** Why a Set's map cannot be stored, in the words of InvalidParameterException; undefined when it can. */
export function eventsRefusal(given: CognitoEvents): string | undefined {
  for (const [type, arn] of Object.entries(given)) {
    if (type !== SYNC_TRIGGER) return `Unknown Cognito event type '${type}'; the only event type is ${SYNC_TRIGGER}.`;
    if (arn !== '' && !FUNCTION_ARN.test(arn)) return `'${arn}' is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>).`;
  }
  return undefined;
}

export class CognitoEventsSettings {
  constructor(private readonly deps: CognitoEventsDeps) {}

  async get(ref: PoolRef): Promise<{ Events: CognitoEvents }> {
    await this.requirePool(ref.IdentityPoolId);
    const { settings } = await this.deps.store.read(ref.IdentityPoolId);
    return { Events: settings.Events ?? {} };
  }

  async set(input: SetCognitoEventsInput): Promise<undefined> {
    const poolId = input.IdentityPoolId;
    const refusal = eventsRefusal(input.Events);
    if (refusal) throw Errors.invalidParameter(refusal);
    await this.requirePool(poolId);
    for (let attempt = 0; attempt < SET_ATTEMPTS; attempt++) {
      const { settings, version } = await this.deps.store.read(poolId);
      const Events = mergeEvents(settings.Events ?? {}, input.Events);
      const { Events: _replaced, ...others } = settings;
      const next = Object.keys(Events).length > 0 ? { ...others, Events } : others;
      if (await this.deps.store.replace(poolId, next, version)) {
        this.deps.changed?.(poolId);
        return undefined;
      }
    }
    throw Errors.concurrentModification(`Identity pool ${poolId} events were modified concurrently; retry the request.`);
  }

  private async requirePool(identityPoolId: string): Promise<void> {
    if (!(await this.deps.directory.exists(identityPoolId))) throw Errors.resourceNotFound(`Identity pool '${identityPoolId}' was not found.`);
  }
}
