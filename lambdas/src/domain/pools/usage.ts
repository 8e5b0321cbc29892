/**
 * DescribeIdentityPoolUsage and ListIdentityPoolUsage: the usage counters (usage-counters.ts) as
 * the operations answer them. A pool with nothing counted answers zeros, not an error; which pools
 * exist is the directory's to say (ports.ts), which pools are listed the lister's.
 */
import { Errors } from '../../errors';
import type { PageLimits } from '../../operations';
import { pageLimitsOf, pageSize, type Tokens } from '../records/ports';
import { invalidNextToken } from '../records/views';
import type { PoolRef } from './model';
import type { PoolDirectory } from './ports';
import type { IdentityPoolUsage, ListPoolUsageInput, ListPoolUsageOutput, UsageTotals } from './usage-model';
import type { PoolLister, PoolUsageStore } from './usage-ports';

export interface PoolUsageDeps {
  readonly store: Pick<PoolUsageStore, 'totals'>;
  readonly directory: PoolDirectory;
  readonly lister: PoolLister;
  readonly tokens: Tokens;
}

/** What a ListIdentityPoolUsage NextToken carries: the lister's cursor, sealed so that it cannot be forged. */
interface ListPoolUsagePosition {
  c: string;
}

export class PoolUsage {
  private readonly pages: PageLimits = pageLimitsOf('ListIdentityPoolUsage');

  constructor(private readonly deps: PoolUsageDeps) {}

  async describe(ref: PoolRef): Promise<{ IdentityPoolUsage: IdentityPoolUsage }> {
    const poolId = ref.IdentityPoolId;
    if (!(await this.deps.directory.exists(poolId))) throw Errors.resourceNotFound(`IdentityPool '${poolId}' not found`);
    const [totals] = await this.deps.store.totals([poolId]);
    return { IdentityPoolUsage: usageOf(poolId, totals) };
  }

  async list(input: ListPoolUsageInput): Promise<ListPoolUsageOutput> {
    let cursor: string | undefined;
    if (input.NextToken !== undefined) {
      const position = this.deps.tokens.open<ListPoolUsagePosition>('list-pool-usage', input.NextToken);
      if (typeof position?.c !== 'string') throw invalidNextToken();
      cursor = position.c;
    }
    const maxResults = pageSize(input.MaxResults, this.pages);
    const page = await this.deps.lister.list(maxResults, cursor);
    const totals = await this.deps.store.totals(page.identityPoolIds);
    const usages = page.identityPoolIds.map((poolId, i) => usageOf(poolId, totals[i]));
    const next: ListPoolUsagePosition | undefined = page.cursor === undefined ? undefined : { c: page.cursor };
    return {
      IdentityPoolUsages: usages,
      MaxResults: maxResults,
      Count: usages.length,
      ...(next ? { NextToken: this.deps.tokens.seal('list-pool-usage', next) } : {}),
    };
  }
}

const usageOf = (IdentityPoolId: string, totals: UsageTotals): IdentityPoolUsage => ({
  IdentityPoolId,
  SyncSessionsCount: totals.syncSessions,
  DataStorage: totals.dataStorage,
  ...(totals.lastModifiedDate !== undefined ? { LastModifiedDate: new Date(totals.lastModifiedDate) } : {}),
});
