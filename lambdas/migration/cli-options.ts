/**
 * The flags the migration commands share, and the sides they build from them: the source endpoint
 * (with the rate limiter and the retry around each request) and the target table.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromIni } from '@aws-sdk/credential-providers';
import { DEFAULT_SINGLE_ITEM_MAX_BYTES, SINGLE_ITEM_MAX_BYTES_VARIABLE } from '../src/config';
import { rateLimitedCall, TokenBucket } from './migrate/rate-limiter';
import { chainCalls, retryingCall, type SourceCall } from './source/call';
import { createEndpointSource, type EndpointSource } from './source/endpoint-source';
import { TableTarget } from './target/table-target';

export class UsageError extends Error {}

export const SOURCE_FLAGS = {
  'source-endpoint': { type: 'string' },
  'identity-endpoint': { type: 'string' },
  'source-region': { type: 'string' },
  'identity-pool-id': { type: 'string', multiple: true, default: [] as string[] },
  'all-pools': { type: 'boolean', default: false },
  rate: { type: 'string' },
} as const;

export const TARGET_FLAGS = {
  'target-table': { type: 'string' },
  'target-region': { type: 'string' },
  'target-profile': { type: 'string' },
  'target-endpoint': { type: 'string' },
} as const;

export interface SourceFlags {
  readonly 'source-endpoint'?: string;
  readonly 'identity-endpoint'?: string;
  readonly 'source-region'?: string;
  readonly 'identity-pool-id': string[];
  readonly 'all-pools': boolean;
  readonly rate?: string;
}

export interface TargetFlags {
  readonly 'target-table'?: string;
  readonly 'target-region'?: string;
  readonly 'target-profile'?: string;
  readonly 'target-endpoint'?: string;
}

export function positiveNumber(flag: string, text: string | undefined, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number, not '${text}'`);
  return n;
}

/** Pool ids carry their region (`us-east-1:...`): the source's region when none is given. */
const regionOfPool = (poolId: string | undefined): string | undefined => poolId?.split(':')[0] || undefined;

export interface BuiltSource {
  readonly source: EndpointSource;
  readonly pools: string[];
}

/** The source endpoint, every request rate-limited (`--rate`) inside a retry on throttling. */
export async function buildSource(flags: SourceFlags, onRetry: () => void): Promise<BuiltSource> {
  const pools = flags['identity-pool-id'];
  if (pools.length === 0 && !flags['all-pools']) throw new UsageError('name the pools: --identity-pool-id ID (repeatable) or --all-pools');
  const rate = positiveNumber('rate', flags.rate, undefined);
  const retry = retryingCall({ onRetry });
  const call: SourceCall = rate === undefined ? retry : chainCalls(retry, rateLimitedCall(new TokenBucket({ ratePerSecond: rate })));
  const source = createEndpointSource({
    region: flags['source-region'] ?? process.env.AWS_REGION ?? regionOfPool(pools[0]),
    endpoint: flags['source-endpoint'],
    identityEndpoint: flags['identity-endpoint'] ?? flags['source-endpoint'],
    call,
  });
  if (flags['all-pools']) {
    for await (const pool of source.listIdentityPools()) if (!pools.includes(pool)) pools.push(pool);
  }
  return { source, pools };
}

/** The target table, through the standard credential chain or `--target-profile`. */
export function buildTarget(flags: TargetFlags): { target: TableTarget; client: DynamoDBClient } {
  const tableName = flags['target-table'];
  if (!tableName) throw new UsageError('name the target table: --target-table NAME (the stack output)');
  const client = new DynamoDBClient({
    ...(flags['target-region'] ? { region: flags['target-region'] } : {}),
    ...(flags['target-endpoint'] ? { endpoint: flags['target-endpoint'] } : {}),
    ...(flags['target-profile'] ? { credentials: fromIni({ profile: flags['target-profile'] }) } : {}),
  });
  // The target deployment's threshold decides which datasets are one item: the same variable.
  const singleItemMaxBytes = Number(process.env[SINGLE_ITEM_MAX_BYTES_VARIABLE] ?? DEFAULT_SINGLE_ITEM_MAX_BYTES);
  return { target: new TableTarget({ client, tableName, store: { singleItemMaxBytes } }), client };
}
