import { operationHandler } from '../protocol/operation-handler';
import { bulkPublish } from '../capabilities';
import { composeBulkPublishDetails } from '../workers/compose-bulk-publish';

export const handler = operationHandler(
  'GetBulkPublishDetails',
  (publishing, input) => publishing.details(input),
  () => bulkPublish(composeBulkPublishDetails),
);
