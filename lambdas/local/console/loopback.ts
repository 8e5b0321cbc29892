/**
 * The console and its JSON layer act as the developer, so only this machine may reach them: a
 * request whose Host is not a loopback name (a DNS-rebinding page says its own host) or whose Origin
 * is another site's (a page on the web posting to 127.0.0.1) is refused. The endpoint itself listens
 * on 127.0.0.1 only; this covers the browser that runs on the same machine.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `host[:port]` names this machine. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return LOOPBACK_HOSTS.has(name.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(name);
}

/** An `Origin` header value of a page served from this machine. */
export function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.host);
}

/** Why the request is refused, or undefined when it comes from this machine. */
export function loopbackRefusal(headers: { readonly host?: string; readonly origin?: string }): string | undefined {
  if (!isLoopbackHost(headers.host)) return `the console answers loopback hosts only, not '${headers.host ?? ''}'`;
  if (headers.origin !== undefined && !isLoopbackOrigin(headers.origin)) return `the console answers loopback origins only, not '${headers.origin}'`;
  return undefined;
}
