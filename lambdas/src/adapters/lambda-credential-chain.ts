/**
 * Bundled in place of `@aws-sdk/credential-provider-node` (see `lib/bundling.ts`): the AWS SDK's
 * default credential chain, cut down to what a Lambda function can meet.
 *
 * The Lambda runtime hands a function its role's credentials in `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`: the first link of the full chain, and the only
 * one that ever answers there. Environments that serve credentials over HTTP instead
 * (`AWS_CONTAINER_CREDENTIALS_*_URI`) get the chain's container link. SSO, INI profiles,
 * credential_process, web identity and EC2 instance metadata are left out: about 130 KB of every
 * bundle (nested STS, SSO and SSO-OIDC clients) that no Lambda invocation would run.
 *
 * The client memoizes and refreshes what this returns, as with the full chain.
 */
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

type Provider = ReturnType<typeof fromEnv>;

const CONTAINER_URIS = ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'] as const;

export const defaultProvider = (init: FromEnvInit = {}): Provider => {
  const env = fromEnv(init);
  return async (props) => {
    try {
      return await env(props);
    } catch (e) {
      if (!CONTAINER_URIS.some((name) => process.env[name])) throw e;
      const { fromHttp } = await import('@aws-sdk/credential-provider-http');
      return fromHttp(init)(props);
    }
  };
};
