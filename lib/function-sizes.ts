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
 * Measured on this project's machine (x86, about 1 vCPU per process; Lambda arm64 differs), each
 * bundle under the heap limits Lambda's Node.js runtime sets for the size, values of random base64 so
 * that nothing deflates into one item:
 *
 * | kind | largest request | peak RSS at the size | cold CPU (x 1769/MB) | chosen | |
 * |---|---|---|---|---|---|
 * | write (incl. ListRecords, which may finish a dead writer's 1 MB commit) | UpdateRecords of 1,024 patches, 1 MB | 157 MB | 2.1 s (7.4 s) + wait | 512 MB | 3.3x RSS; 384 MB: 2.4x, 11.0 s; 256 MB: 2.1x, 15.7 s |
 * | read (DescribeDataset, ListDatasets, DescribeIdentityUsage, ...) | a 1 MB ListRecords page (more than any of them reads) | 85 MB | 0.13 s (0.9 s) + wait | 256 MB | 3.0x RSS |
 * | not available yet (answers 501, no AWS client; no operation is, today) | any | 46 MB (measured when one was) | < 1 ms | 128 MB | Lambda's minimum; 2.8x RSS |
 * | unknown route (404s, CORS preflights) | any | 44 MB | < 1 ms | 128 MB | Lambda's minimum; 2.9x RSS |
 *
 * The common sync cycle (2 KB of app state, 1 record changed) runs warm in 1.2-1.9 ms CPU
 * (ListRecords) and 2.6-3.6 ms (UpdateRecords): a smaller size would not save its CPU part, only the
 * wait part, 3 DynamoDB calls of ~5 ms: 256 MB instead of 512 saves $0.05 per million cycles, adds
 * 16 ms to each sync and leaves the 1 MB commit over half the 29 s timeout in CPU alone. Not worth it
 * (docs/decisions.md, "Function sizes stay").
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
