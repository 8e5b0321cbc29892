/**
 * The migration's source reading a local endpoint as its developer, Cognito Identity included (the
 * local endpoint answers both): what the migration tests read from. `options` change where requests
 * go (a proxy) or how each is called (a retry or test hook).
 */
import { createEndpointSource, type EndpointSource, type EndpointSourceOptions } from '../../lambdas/migration/source/endpoint-source';
import type { Endpoint } from './local-endpoint';

export function localEndpointSource(endpoint: Endpoint, options: EndpointSourceOptions = {}): EndpointSource {
  return createEndpointSource({
    region: endpoint.region,
    endpoint: endpoint.url,
    identityEndpoint: endpoint.url,
    credentials: endpoint.developerCredentials,
    ...options,
  });
}
