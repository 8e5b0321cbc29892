/**
 * Lines of a file, streamed, each with its byte offset so that it can be read again on its own
 * (`readLineAt`). Only the line being assembled is held, however large the file.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

export interface FileLine {
  /** 1-based. */
  readonly number: number;
  readonly text: string;
  /** Byte offset of the line's first byte. */
  readonly offset: number;
  /** Bytes, without the newline. */
  readonly length: number;
}

/** The file's lines. A last line without a newline is yielded with `terminated: false`. */
export async function* readLines(path: string): AsyncGenerator<FileLine & { readonly terminated: boolean }> {
  let pieces: Buffer[] = [];
  let pending = 0;
  let offset = 0;
  let number = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      pieces.push(chunk.subarray(start, newline));
      const bytes = Buffer.concat(pieces);
      number++;
      yield { number, text: bytes.toString('utf8'), offset, length: bytes.length, terminated: true };
      offset += bytes.length + 1;
      pieces = [];
      pending = 0;
      start = newline + 1;
    }
    if (start < chunk.length) {
      pieces.push(chunk.subarray(start));
      pending += chunk.length - start;
    }
  }
  if (pending > 0) {
    const bytes = Buffer.concat(pieces);
    yield { number: number + 1, text: bytes.toString('utf8'), offset, length: bytes.length, terminated: false };
  }
}

/** The line at `offset`, `length` bytes long, read again. */
export async function readLineAt(path: string, offset: number, length: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, offset + read);
      if (bytesRead === 0) throw new Error(`${path} changed while it was read (it ends before byte ${offset + length})`);
      read += bytesRead;
    }
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
