/**
 * The local addresses on which something listens on a TCP port, as the kernel reports them:
 * /proc/net/tcp and tcp6 on Linux, lsof elsewhere (macOS).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export function listeningAddresses(port: number): string[] {
  return process.platform === 'linux' ? fromProcNet(port) : fromLsof(port);
}

/** 127.0.0.0/8, ::1, and IPv4-mapped 127.x (a Java socket bound to 127.0.0.1 on an IPv6 stack). */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}

const LISTEN = '0A';

function fromProcNet(port: number): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== LISTEN) continue;
      const [hexAddress, hexPort] = fields[1].split(':');
      if (parseInt(hexPort, 16) === port) found.push(decodeProcAddress(hexAddress));
    }
  }
  return found;
}

/** The kernel prints each 32-bit word of the address in host (little-endian) byte order. */
function decodeProcAddress(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const wordBytes = hex
      .slice(word, word + 8)
      .match(/../g)!
      .map((b) => parseInt(b, 16));
    bytes.push(...wordBytes.reverse());
  }
  if (bytes.length === 4) return bytes.join('.');
  const isV4Mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isV4Mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  if (bytes.every((b, i) => b === (i === 15 ? 1 : 0))) return '::1';
  if (bytes.every((b) => b === 0)) return '::';
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':');
}

function fromLsof(port: number): string[] {
  let output: string;
  try {
    output = execFileSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fn'], { encoding: 'utf8' });
  } catch {
    return []; // lsof exits 1 when nothing matches.
  }
  // `n127.0.0.1:8000`, `n*:8000`, `n[::1]:8000`
  return output
    .split('\n')
    .filter((line) => line.startsWith('n'))
    .map((line) =>
      line
        .slice(1)
        .replace(/:\d+$/, '')
        .replace(/^\[(.*)\]$/, '$1'),
    )
    .map((address) => (address === '*' ? '0.0.0.0' : address));
}
