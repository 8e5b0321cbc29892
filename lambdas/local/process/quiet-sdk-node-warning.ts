/**
 * The AWS SDK warns on every start under Node 20 that its releases after January 2027 will need
 * Node 22. It is advice for whoever upgrades dependencies (the README says so), not for every
 * `npm start`. The SDK reads this variable when a client is made; import this module first.
 * An explicit setting in the environment wins.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
