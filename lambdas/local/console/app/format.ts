/** How values read in the console. */

export const formatDate = (value: string | number | undefined): string => (value === undefined ? '—' : new Date(value).toLocaleString());
export const formatBytes = (bytes: number | undefined): string => (bytes === undefined ? '—' : `${bytes.toLocaleString()} B`);
export const shortId = (identityId: string): string => identityId.replace(/^[^:]+:/, '');
