import { Secret, TOTP } from 'otpauth';
import type { ApiClient } from './client.js';

/** GraphQL documents of two-factor sign-in, shared by the specs. */
export const MFA = {
  me: `{ me { id mfaEnabled } }`,
  begin: `mutation { beginTotpSetup { secret otpauthUri } }`,
  enable: `mutation($code: String!) { enableTotp(code: $code) }`,
  disable: `mutation($password: String!, $otp: String!) { disableTotp(password: $password, otp: $otp) }`,
  regenerate: `mutation($otp: String!) { regenerateRecoveryCodes(otp: $otp) }`,
  login: `mutation($input: LoginInput!) { login(input: $input) { token user { id mfaEnabled } } }`,
} as const;

/** What an authenticator app would show for this base32 seed, `stepsAgo` steps back (computed here, not by the server's code). */
export function totpCode(secret: string, stepsAgo = 0, now = Date.now()): string {
  const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
  return totp.generate({ timestamp: now - stepsAgo * 30_000 });
}

/**
 * Waits, when needed, until at least `margin` ms remain in the current 30-second step, so a test
 * that reasons about "this step" and "the previous step" is not split by a step boundary.
 */
export async function awayFromStepEdge(margin = 4_000): Promise<void> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < margin) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** Turns TOTP on for the client's account; returns the seed and the recovery codes. */
export async function enableMfa(client: ApiClient): Promise<{ secret: string; recoveryCodes: string[] }> {
  await awayFromStepEdge();
  const begin = await client.gql(MFA.begin);
  if (begin.errors) throw new Error(`beginTotpSetup failed: ${begin.raw}`);
  const secret: string = begin.data!.beginTotpSetup.secret;
  // The previous step: the current one stays free for the test's first login.
  const enable = await client.gql(MFA.enable, { code: totpCode(secret, 1) });
  if (enable.errors) throw new Error(`enableTotp failed: ${enable.raw}`);
  return { secret, recoveryCodes: enable.data!.enableTotp };
}
