import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts the one DynamoDB Local every integration test shares.
    globalSetup: ['test/global-setup.ts'],
    // The caller policy (lambdas/src/protocol/caller-policy.ts) admits no developer unless told:
    // the developer of the in-process test events (test/helpers/events.ts) is this one.
    env: { SYNC_DEVELOPER_PRINCIPALS: 'arn:aws:iam::*:user/developer' },
    // Integration tests talk to a JVM and spawn processes: generous, but bounded.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Separate processes: the local server configures the handlers through process.env.
    pool: 'forks',
    // Two cores, and DynamoDB Local needs one of them.
    maxWorkers: 2,
  },
});
