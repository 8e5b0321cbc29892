/**
 * The service a SigV4 request was signed for: the `<service>` of its credential scope
 * (`<key>/<date>/<region>/<service>/aws4_request`), from the Authorization header or, for a
 * presigned URL, from `X-Amz-Credential` in the query. Nothing is verified here: the edge only
 * reads where to send the request; whoever answers it checks the signature by its own rules.
 */

const HEADER_SCOPE = /Credential=[^/,\s]*\/\d{8}\/[^/,\s]+\/([^/,\s]+)\/aws4_request/;

/** The signing service name, or undefined for an unsigned request (or one whose scope does not parse). */
export function signedServiceOf(headers: Readonly<Record<string, string>>, rawQueryString: string): string | undefined {
  const authorization = headers.authorization;
  if (authorization?.startsWith('AWS4-HMAC-SHA256')) return HEADER_SCOPE.exec(authorization)?.[1];
  for (const pair of rawQueryString.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).toLowerCase() !== 'x-amz-credential') continue;
    let credential: string;
    try {
      credential = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
    const parts = credential.split('/');
    return parts.length === 5 && parts[4] === 'aws4_request' ? parts[3] : undefined;
  }
  return undefined;
}
