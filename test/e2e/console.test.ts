/**
 * The local console in headless Chromium (playwright-core driving Debian's /usr/bin/chromium),
 * against the endpoint as `npm start` composes it (change feed on) on the tests' DynamoDB Local:
 * two identities sync from the v3 client, the console is opened, and
 *   - pool → identity → dataset is navigated, and the records shown are ListRecords' own;
 *   - the lists are walked with the keyboard, and every control has a label;
 *   - a new sync shows in the live activity without a reload;
 *   - a dataset deleted from the page is deleted for the API, and shows with its deletion floor;
 *   - a record edited from the page is what ListRecords answers after;
 *   - a screenshot is kept in test-results/console.png.
 */
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import path from 'node:path';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { CognitoSyncClient, DescribeDatasetCommand, ListRecordsCommand, UpdateRecordsCommand } from '@aws-sdk/client-cognito-sync';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEndpoint, type LocalEndpoint } from '../../lambdas/local/local-endpoint';
import { dynamoEndpoint } from '../helpers/dynamodb-local';

const developer = { accessKeyId: 'AKIACONSOLETEST00000', secretAccessKey: 'console-test-secret' };
const POOL_NAME = 'console pool';
const SCREENSHOT = path.resolve('test-results/console.png');

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
interface Device {
  readonly identityId: string;
  readonly sync: CognitoSyncClient;
}

let endpoint: LocalEndpoint;
let browser: Browser;
let page: Page;
let pool: string;
let devices: Device[];
const clients: { destroy(): void }[] = [];
const keep = <T extends { destroy(): void }>(client: T): T => {
  clients.push(client);
  return client;
};
const client = (credentials: Credentials) => keep(new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials, maxAttempts: 1 }));

/** GetId + GetCredentialsForIdentity, unsigned, as an app does; a v3 sync client with those credentials. */
async function newDevice(): Promise<Device> {
  const anonymous = keep(new CognitoIdentityClient({ region: endpoint.region, endpoint: endpoint.url, maxAttempts: 1 }));
  const { IdentityId } = await anonymous.send(new GetIdCommand({ IdentityPoolId: pool }));
  const { Credentials: c } = await anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId }));
  const credentials = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretKey!, sessionToken: c!.SessionToken! };
  return { identityId: IdentityId!, sync: client(credentials) };
}

/** One sync as a client does it: ListRecords for the token and the counts, then UpdateRecords. */
async function syncRecords(device: Device, dataset: string, values: Record<string, string | null>): Promise<number> {
  const ref = { IdentityPoolId: pool, IdentityId: device.identityId, DatasetName: dataset };
  const listed = await device.sync.send(new ListRecordsCommand(ref));
  const counts = new Map((listed.Records ?? []).map((r) => [r.Key, r.SyncCount ?? 0]));
  const out = await device.sync.send(
    new UpdateRecordsCommand({
      ...ref,
      SyncSessionToken: listed.SyncSessionToken,
      RecordPatches: Object.entries(values).map(([Key, Value]) => ({
        Op: Value === null ? 'remove' : 'replace',
        Key,
        ...(Value !== null && { Value }),
        SyncCount: counts.get(Key) ?? 0,
        DeviceLastModifiedDate: new Date(),
      })),
    }),
  );
  return Math.max(...(out.Records ?? []).map((r) => r.SyncCount ?? 0));
}

beforeAll(async () => {
  endpoint = await startLocalEndpoint({
    dynamoEndpoint: dynamoEndpoint(),
    tableName: `console-${randomUUID()}`,
    port: 0,
    moto: false,
    inMemory: true,
    developer,
  });
  const identity = keep(new CognitoIdentityClient({ region: endpoint.region, endpoint: endpoint.url, credentials: developer, maxAttempts: 1 }));
  ({ IdentityPoolId: pool } = (await identity.send(new CreateIdentityPoolCommand({ IdentityPoolName: POOL_NAME, AllowUnauthenticatedIdentities: true }))) as {
    IdentityPoolId: string;
  });
  devices = [await newDevice(), await newDevice()];
  const [a, b] = devices as [Device, Device];
  await syncRecords(a, 'settings', { theme: 'dark', volume: '7', removed: 'soon' });
  await syncRecords(a, 'settings', { removed: null, volume: '8' });
  await syncRecords(a, 'scores', { level1: '120' });
  await syncRecords(b, 'settings', { theme: 'light' });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const c of clients) c.destroy();
  await endpoint?.close();
});

const developerSync = () => client(developer);
const identityHeading = (identityId: string) => page.getByRole('heading', { name: `Identity ${identityId}` });

/** The records table as the page shows it: key, value (undefined for a tombstone), sync count. */
async function recordsShown(dataset: string) {
  const rows = page.getByRole('table', { name: `Records of ${dataset}` }).locator('tbody tr');
  return rows.evaluateAll((trs) =>
    trs.map((tr) => {
      const cells = [...tr.querySelectorAll('th, td')].map((c) => c.textContent ?? '');
      return { key: cells[0], value: tr.classList.contains('tombstone') ? undefined : cells[1], syncCount: Number(cells[2]) };
    }),
  );
}

async function recordsListed(identityId: string, dataset: string, since = 0) {
  const out = await developerSync().send(new ListRecordsCommand({ IdentityPoolId: pool, IdentityId: identityId, DatasetName: dataset, LastSyncCount: since }));
  return (out.Records ?? []).map((r) => ({ key: r.Key, value: r.Value, syncCount: r.SyncCount }));
}

describe('the local console', () => {
  it('navigates pool → identity → dataset, and shows the records ListRecords answers, tombstones included', async () => {
    const [a] = devices as [Device];
    await page.goto(endpoint.consoleUrl);
    await page.getByRole('list', { name: 'Identity pools' }).getByRole('link', { name: POOL_NAME }).click();
    await expect.poll(() => page.getByRole('heading', { name: `Pool ${pool}` }).count()).toBe(1);
    await page.getByRole('list', { name: 'Identities' }).getByRole('link', { name: a.identityId }).click();
    await identityHeading(a.identityId).waitFor();
    // Each dataset with its sync count (ListRecords' DatasetSyncCount: ListDatasets has none) and records.
    const datasets = page.getByRole('list', { name: 'Datasets' });
    expect(await datasets.getByRole('listitem').filter({ hasText: 'settings' }).textContent()).toContain('sync count 2 · 2 records');
    await datasets.getByRole('link', { name: 'settings' }).click();
    await page.getByRole('table', { name: 'Records of settings' }).waitFor();

    const listed = await recordsListed(a.identityId, 'settings');
    expect(listed.find((r) => r.key === 'removed')?.value).toBeUndefined();
    expect(sortByKey(await recordsShown('settings'))).toEqual(sortByKey(listed));

    // The changes since a chosen sync count: ListRecords' LastSyncCount.
    await page.getByLabel('Changes since sync count').fill('1');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(async () => sortByKey(await recordsShown('settings'))).toEqual(sortByKey(await recordsListed(a.identityId, 'settings', 1)));
    expect((await recordsShown('settings')).map((r) => r.key).sort()).toEqual(['removed', 'volume']);
  });

  it('walks the lists with the keyboard, and labels its controls', async () => {
    const [a, b] = devices as [Device, Device];
    await page.goto(`${endpoint.consoleUrl}#/pools/${encodeURIComponent(pool)}`);
    const identities = page.getByRole('list', { name: 'Identities' });
    await identities.getByRole('link').first().waitFor();
    const order = await identities.getByRole('link').allTextContents();
    expect(order.sort()).toEqual([a.identityId, b.identityId].sort());
    // The arrows, Home and End move within the list; Tab leaves it (one stop per list); Enter follows.
    await identities.getByRole('link').first().focus();
    const focusedText = () => identities.locator(':focus').textContent();
    expect(await focusedText()).toBe(order[0]);
    await page.keyboard.press('Tab');
    expect(await identities.locator(':focus').count()).toBe(0);
    await identities.getByRole('link').first().focus();
    await page.keyboard.press('ArrowDown');
    expect(await focusedText()).toBe(order[1]);
    await page.keyboard.press('ArrowDown'); // stays on the last
    expect(await focusedText()).toBe(order[1]);
    await page.keyboard.press('Home');
    expect(await focusedText()).toBe(order[0]);
    await page.keyboard.press('End');
    expect(await identities.getByRole('link').evaluateAll((links) => links.map((l) => l.getAttribute('tabindex')))).toEqual(['-1', '0']);
    await page.keyboard.press('Enter');
    await identityHeading(order[1] as string).waitFor();
    expect(decodeURIComponent(new URL(page.url()).hash)).toContain(order[1]);

    // Every input, select and button has an accessible name.
    await page.goto(`${endpoint.consoleUrl}#/pools/${encodeURIComponent(pool)}/identities/${encodeURIComponent(a.identityId)}/datasets/settings`);
    await page.getByRole('table', { name: 'Records of settings' }).waitFor();
    const controls = page.locator('input, select, textarea, button');
    expect(await controls.count()).toBeGreaterThan(5);
    const unlabelled = await controls.evaluateAll(
      (elements) =>
        elements.filter((control) => {
          const labels = (control as unknown as { labels?: { length: number } | null }).labels;
          return !labels?.length && !control.getAttribute('aria-label') && !(control.textContent ?? '').trim();
        }).length,
    );
    expect(unlabelled).toBe(0);
  });

  it('shows a new sync live, without a reload', async () => {
    const [a] = devices as [Device];
    await page.goto(`${endpoint.consoleUrl}#/pools/${encodeURIComponent(pool)}/identities/${encodeURIComponent(a.identityId)}/datasets/scores`);
    await page.getByRole('table', { name: 'Records of scores' }).waitFor();
    const loaded = await page.evaluate(() => performance.timeOrigin);
    const syncCount = await syncRecords(a, 'scores', { level2: '340' });
    const activity = page.getByRole('list', { name: 'Live activity' });
    const line = `sync scores of ${a.identityId.replace(/^[^:]+:/, '')}: sync count ${syncCount}, 1 record changed`;
    await activity.getByText(line).waitFor({ timeout: 20_000 });
    // The open dataset follows too.
    await expect.poll(async () => (await recordsShown('scores')).find((r) => r.key === 'level2')?.value, { timeout: 10_000 }).toBe('340');
    expect(await page.evaluate(() => performance.timeOrigin)).toBe(loaded);

    // A stale write is refused with 409, and the console counts it as a conflict.
    const ref = { IdentityPoolId: pool, IdentityId: a.identityId, DatasetName: 'scores' };
    const { SyncSessionToken } = await a.sync.send(new ListRecordsCommand(ref));
    const stale = { Op: 'replace' as const, Key: 'level2', Value: '1', SyncCount: 0 };
    await expect(a.sync.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches: [stale] }))).rejects.toMatchObject({
      name: 'ResourceConflictException',
    });
    await activity.getByText(`conflict (409) on /identitypools/${pool}/identities/${a.identityId}/datasets/scores`).waitFor();
    expect(await page.evaluate(() => performance.timeOrigin)).toBe(loaded);
  });

  it('edits a record as the developer: UpdateRecords, which ListRecords answers after', async () => {
    const [a] = devices as [Device];
    await page.goto(`${endpoint.consoleUrl}#/pools/${encodeURIComponent(pool)}/identities/${encodeURIComponent(a.identityId)}/datasets/scores`);
    await page.getByRole('table', { name: 'Records of scores' }).waitFor();
    await page.getByLabel('Key', { exact: true }).fill('level1');
    await page.getByLabel('Value', { exact: true }).fill('999');
    // A device syncs while the developer types: the view follows it live and keeps the form as typed.
    await syncRecords(a, 'scores', { level3: 'typed-over' });
    await expect.poll(async () => (await recordsShown('scores')).find((r) => r.key === 'level3')?.value, { timeout: 10_000 }).toBe('typed-over');
    expect(await page.getByLabel('Key', { exact: true }).inputValue()).toBe('level1');
    expect(await page.getByLabel('Value', { exact: true }).inputValue()).toBe('999');
    await page.getByRole('button', { name: 'Save (UpdateRecords)' }).click();
    await page.getByRole('status').getByText('UpdateRecords: done.').waitFor();
    const listed = await recordsListed(a.identityId, 'scores');
    expect(listed.find((r) => r.key === 'level1')?.value).toBe('999');
    await expect.poll(async () => (await recordsShown('scores')).find((r) => r.key === 'level1')?.value).toBe('999');
  });

  it('deletes a dataset from the page: the API no longer has it, and the console shows its deletion floor', async () => {
    const [, b] = devices as [Device, Device];
    const ref = { IdentityPoolId: pool, IdentityId: b.identityId, DatasetName: 'settings' };
    const before = await developerSync().send(new ListRecordsCommand(ref));
    expect(before.DatasetSyncCount).toBeGreaterThan(0);
    await page.goto(`${endpoint.consoleUrl}#/pools/${encodeURIComponent(pool)}/identities/${encodeURIComponent(b.identityId)}/datasets/settings`);
    await page.getByRole('table', { name: 'Records of settings' }).waitFor();
    await page.getByRole('button', { name: 'Delete dataset…' }).click();
    await page.getByRole('button', { name: 'Confirm: delete dataset settings' }).click();
    await page.getByRole('status').getByText('DeleteDataset: done.').waitFor();

    await expect(developerSync().send(new DescribeDatasetCommand(ref))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const listed = await b.sync.send(new ListRecordsCommand(ref));
    expect(listed.DatasetExists).toBe(false);
    expect(listed.DatasetSyncCount).toBe(before.DatasetSyncCount);

    // Once the change feed has reported the deletion, the identity lists it with its floor.
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: b.identityId }).click();
    const deleted = page.getByRole('table', { name: 'Deleted datasets' });
    await deleted.waitFor({ timeout: 20_000 });
    expect(await deleted.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))).toEqual([
      ['settings', String(listed.DatasetSyncCount)],
    ]);
    expect(await page.getByRole('list', { name: 'Datasets' }).count()).toBe(0);
  });

  it('keeps a screenshot of the console as a test artifact', async () => {
    const [a] = devices as [Device];
    await page.goto(`${endpoint.consoleUrl}#/pools/${encodeURIComponent(pool)}/identities/${encodeURIComponent(a.identityId)}/datasets/settings`);
    await page.getByRole('table', { name: 'Records of settings' }).waitFor();
    await page.getByRole('list', { name: 'Live activity' }).waitFor();
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('refuses the JSON layer to a page of another origin, and a non-loopback Host', async () => {
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${endpoint.url}/_console/api/pools`, { method: 'GET', headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status({ origin: 'https://evil.example' })).toBe(403);
    expect(await status({ host: 'evil.example' })).toBe(403);
    expect(await status({ origin: endpoint.url })).toBe(200);
  });
});

const sortByKey = <T extends { key?: string }>(records: T[]): T[] => [...records].sort((x, y) => String(x.key).localeCompare(String(y.key)));
