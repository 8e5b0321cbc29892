/**
 * Reads an export file (format.ts) line by line, checking all of it: the header, each line, the
 * newline at the end of each, and the trailer with its counts as the last line. Errors name the file
 * and the line.
 */
import { type ExportEntry, ExportFileError, type ExportHeader, parseHeader, parseLine } from './format';
import { readLines } from './lines';

/** An entry, with where its line is in the file (for reading it again). */
export type LocatedEntry = ExportEntry & { readonly line: number; readonly offset: number; readonly length: number };

export interface ExportContents {
  readonly header: ExportHeader;
  readonly pools: number;
  readonly datasets: number;
}

/**
 * The file's pool and dataset entries in file order. The trailer is checked when reached, so a
 * consumer that must not act on a cut-short file reads it through once first (`checkExport`).
 */
export async function* readExport(file: string, onHeader?: (header: ExportHeader) => void): AsyncGenerator<LocatedEntry> {
  let header: ExportHeader | undefined;
  let pools = 0;
  let datasets = 0;
  let ended: number | undefined;
  for await (const line of readLines(file)) {
    if (!line.terminated) throw new ExportFileError(file, line.number, 'the last line has no newline: the file was cut short');
    if (ended !== undefined) throw new ExportFileError(file, line.number, `a line after the end line (line ${ended})`);
    if (line.text.trim() === '') throw new ExportFileError(file, line.number, 'an empty line');
    if (header === undefined) {
      header = parseHeader(file, line.text);
      onHeader?.(header);
      continue;
    }
    const entry = parseLine(file, line.number, line.text);
    if (entry.type === 'end') {
      if (entry.pools !== pools || entry.datasets !== datasets) {
        throw new ExportFileError(
          file,
          line.number,
          `the end line counts ${entry.pools} pools and ${entry.datasets} datasets, the file holds ${pools} and ${datasets}`,
        );
      }
      ended = line.number;
      continue;
    }
    if (entry.type === 'pool') pools++;
    else datasets++;
    yield { ...entry, line: line.number, offset: line.offset, length: line.length };
  }
  if (header === undefined) throw new ExportFileError(file, 1, 'the file is empty');
  if (ended === undefined) throw new ExportFileError(file, pools + datasets + 2, 'the end line is missing: the file was cut short');
}

/** Reads the whole file through, checking it; what it holds. */
export async function checkExport(file: string): Promise<ExportContents> {
  let header: ExportHeader | undefined;
  let pools = 0;
  let datasets = 0;
  for await (const entry of readExport(file, (h) => {
    header = h;
  })) {
    if (entry.type === 'pool') pools++;
    else datasets++;
  }
  return { header: header as ExportHeader, pools, datasets };
}
