/** How values read in the console. */

export const formatDate = (value: string | number | undefined): string => (value === undefined ? '—' : new Date(value).toLocaleString());
export const formatBytes = (bytes: number | undefined): string => (bytes === undefined ? '—' : `${bytes.toLocaleString()} B`);
export const shortId = (identityId: string): string => identityId.replace(/^[^:]+:/, '');
/** A count with its noun, singular for exactly one: `1 record`, `0 records`, `2 records`. An irregular plural is passed. */
export const counted = (count: number, noun: string, pluralNoun = `${noun}s`): string => `${count} ${count === 1 ? noun : pluralNoun}`;
