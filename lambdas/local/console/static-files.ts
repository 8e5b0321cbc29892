/**
 * The console's built files (build.ts writes them), served from memory of the disk: read on each
 * request, so that a rebuild while the endpoint runs is picked up. Only files inside the build
 * directory are ever served.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  /** Hashed asset names never change content: the browser may keep them. index.html is asked again each time. */
  readonly immutable: boolean;
}

/** The file at `relativePath` (already decoded, '' for the index) of `root`, or undefined. */
export async function readStaticFile(root: string, relativePath: string): Promise<StaticFile | undefined> {
  const wanted = relativePath === '' ? 'index.html' : relativePath;
  const file = path.resolve(root, wanted);
  if (!file.startsWith(root + path.sep)) return undefined;
  try {
    const body = await readFile(file);
    return { body, contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', immutable: wanted.startsWith('assets/') };
  } catch {
    return undefined;
  }
}
