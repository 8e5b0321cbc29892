/**
 * For the capacity meter (capacity-meter.ts): a document client (lib-dynamodb) hands its output back
 * unmarshalled, and the meter sizes items in DynamoDB's wire form, so it marshals them again. Apart
 * because it is about the SDK's shapes, not about billing.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeMap } from './item-size';

type Output = Record<string, unknown>;

/** A document client's output, with its items in DynamoDB's wire form again. */
export function remarshal(output: Output): Output {
  const toWire = (item: unknown): AttributeMap => marshall(item as Record<string, unknown>, { removeUndefinedValues: true, convertClassInstanceToMap: true });
  const result: Output = { ...output };
  if (output.Item) result.Item = toWire(output.Item);
  if (output.Attributes) result.Attributes = toWire(output.Attributes);
  if (Array.isArray(output.Items)) result.Items = output.Items.map(toWire);
  if (output.Responses && !Array.isArray(output.Responses)) {
    result.Responses = Object.fromEntries(Object.entries(output.Responses as Record<string, unknown[]>).map(([table, items]) => [table, items.map(toWire)]));
  }
  if (Array.isArray(output.Responses)) {
    result.Responses = (output.Responses as { Item?: unknown }[]).map((r) => (r.Item ? { Item: toWire(r.Item) } : r));
  }
  if (output.UnprocessedKeys) {
    result.UnprocessedKeys = Object.fromEntries(
      Object.entries(output.UnprocessedKeys as Record<string, { Keys?: unknown[] }>).map(([table, request]) => [
        table,
        { ...request, Keys: (request.Keys ?? []).map(toWire) },
      ]),
    );
  }
  if (output.UnprocessedItems) {
    result.UnprocessedItems = Object.fromEntries(
      Object.entries(output.UnprocessedItems as Record<string, Record<string, { Item?: unknown; Key?: unknown }>[]>).map(([table, requests]) => [
        table,
        requests.map((r) =>
          r.PutRequest ? { PutRequest: { Item: toWire(r.PutRequest.Item) } } : r.DeleteRequest ? { DeleteRequest: { Key: toWire(r.DeleteRequest.Key) } } : r,
        ),
      ]),
    );
  }
  return result;
}
