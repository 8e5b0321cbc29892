/** ListDatasets, DescribeDataset and DescribeIdentityUsage: reading an identity's datasets and totals. */
import type { PageLimits } from '../../operations';
import type { Dataset, DatasetRef, IdentityRef, IdentityUsage, ListDatasetsInput, ListDatasetsOutput } from '../model';
import { type DatasetReader, pageLimitsOf, pageSize, type Tokens } from './ports';
import { datasetNotFound, invalidNextToken, isLive, toDataset } from './views';

export interface DatasetQueriesDeps {
  readonly store: DatasetReader;
  readonly tokens: Tokens;
}

/** What a ListDatasets NextToken carries. */
interface ListDatasetsPosition {
  p: string;
  i: string;
  /** Name of the last dataset returned. */
  a: string;
}

export class DatasetQueries {
  private readonly pages: PageLimits = pageLimitsOf('ListDatasets');

  constructor(private readonly deps: DatasetQueriesDeps) {}

  async listDatasets(input: ListDatasetsInput): Promise<ListDatasetsOutput> {
    const { store, tokens } = this.deps;
    let after: string | undefined;
    if (input.NextToken !== undefined) {
      const position = tokens.open<ListDatasetsPosition>('list-datasets', input.NextToken);
      if (!position || position.p !== input.IdentityPoolId || position.i !== input.IdentityId) throw invalidNextToken();
      after = position.a;
    }
    const live = (await store.listDatasets(input)).filter(isLive);
    const remaining = after === undefined ? live : live.filter((head) => head.name > after);
    const page = remaining.slice(0, pageSize(input.MaxResults, this.pages));
    const more = remaining.length > page.length;
    const position: ListDatasetsPosition | undefined = more ? { p: input.IdentityPoolId, i: input.IdentityId, a: page[page.length - 1].name } : undefined;
    return {
      Datasets: page.map((head) => toDataset(input.IdentityId, head)),
      Count: page.length,
      ...(position ? { NextToken: tokens.seal('list-datasets', position) } : {}),
    };
  }

  async describeDataset(input: DatasetRef): Promise<{ Dataset: Dataset }> {
    const head = await this.deps.store.getDatasetHead(input);
    if (!isLive(head)) throw datasetNotFound(input);
    return { Dataset: toDataset(input.IdentityId, head) };
  }

  async describeIdentityUsage(input: IdentityRef): Promise<{ IdentityUsage: IdentityUsage }> {
    const summary = await this.deps.store.getIdentitySummary(input);
    // An identity with no data has zero usage, not a 404:
    // docs/decisions.md#describeidentityusage-of-an-identity-without-data-is-zeros
    return {
      IdentityUsage: {
        IdentityId: input.IdentityId,
        IdentityPoolId: input.IdentityPoolId,
        ...(summary?.lastModifiedDate !== undefined ? { LastModifiedDate: new Date(summary.lastModifiedDate) } : {}),
        DatasetCount: summary?.datasetCount ?? 0,
        DataStorage: summary?.dataStorage ?? 0,
      },
    };
  }
}
