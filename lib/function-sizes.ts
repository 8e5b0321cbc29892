/**
 * Each function's memory, chosen from measurement (bench/function-memory.ts: the bundle as deployed,
 * in a fresh Node process, against DynamoDB Local). Memory is deployment, not protocol: it lives
 * here, not in the operation table. The stack property / context `memorySize` overrides all of it.
 *
 * Lambda gives a function CPU in proportion to its memory (1,769 MB = 1 vCPU) and bills GB-s =
 * memory x duration. A call's duration is its CPU time, stretched by 1,769 / MB below 1 vCPU, plus
 * its wait on DynamoDB, which no size shortens. So the CPU part costs the same at any size under
 * 1,769 MB (CPU s x 1,769 / 1,024 GB-s) and the wait costs in proportion to the size: smaller is
 * never dearer, only slower. Each kind gets the smallest size that (a) is at least twice the peak
 * RSS of the largest request it may take, and (b) runs that request, cold, in about a third of the
 * 29 s timeout or less.
 *
 * Measured on this project's machine (x86, about 1 vCPU per process; Lambda arm64 differs):
 *
 * | kind | largest request | peak RSS | cold CPU + wait | chosen | cold at chosen size |
 * |---|---|---|---|---|---|
 * | write (incl. ListRecords, which may finish a dead writer's 1 MB commit) | UpdateRecords of 1,024 patches, 1 MB | 146 MB | 2.0 s + 2.2 s | 512 MB | 2.0 x 1769/512 + 2.2 = 9.1 s; 3.5x RSS |
 * | read (DescribeDataset, ListDatasets, DescribeIdentityUsage) | a 1 MB ListRecords page (more than any of them reads) | 88 MB | 0.16 s + 0.09 s | 256 MB | 0.16 x 1769/256 + 0.09 = 1.2 s; 2.9x RSS |
 * | not available yet (answers 501, no AWS client) | any | 46 MB | < 1 ms | 128 MB | Lambda's minimum; 2.8x RSS |
 * | unknown route (404s, CORS preflights) | any | 45 MB | < 1 ms | 128 MB | Lambda's minimum; 2.8x RSS |
 *
 * 384 MB would hold the largest write (2.6x RSS) but run it cold in 11.4 s: over a third of the timeout.
 */
import type { OperationSpec, StoreAccess } from '../lambdas/src/operations';

/** MB for an available operation's function, by its access class (`OperationSpec.access`). */
export const MEMORY_BY_ACCESS_MB: Readonly<Record<StoreAccess, number>> = { read: 256, write: 512 };

/** MB for an operation that is not available yet: it answers 501 before any service or client. */
export const UNAVAILABLE_MEMORY_MB = 128;

/** MB for the function behind the `$default` route (404s and CORS preflights). */
export const UNKNOWN_ROUTE_MEMORY_MB = 128;

/** The memory an operation's function gets unless the stack's `memorySize` overrides it. */
export const operationMemoryMb = (spec: Pick<OperationSpec, 'access' | 'available'>): number =>
  spec.available ? MEMORY_BY_ACCESS_MB[spec.access] : UNAVAILABLE_MEMORY_MB;
