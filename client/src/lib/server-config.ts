import { DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_PASSWORD_POLICY, isPasswordPolicy, type PasswordPolicyName } from '@lockframe/common';
import type { ServerConfig } from './graphql/documents.ts';

/** What the client takes from the server's serverConfig, checked: the limits and policies its pre-checks follow. */
export interface ServerSettings {
  maxUploadBytes: number;
  passwordPolicy: PasswordPolicyName;
  emailVerificationRequired: boolean;
}

/**
 * Until the server has answered, or when it cannot be asked: the server's defaults, and what this
 * client assumed before it could ask (a verification banner for an unconfirmed address).
 */
export const DEFAULT_SERVER_SETTINGS: Readonly<ServerSettings> = Object.freeze({
  maxUploadBytes: DEFAULT_MAX_UPLOAD_BYTES,
  passwordPolicy: DEFAULT_PASSWORD_POLICY,
  emailVerificationRequired: true,
});

/** GraphQL's CLASSIC or NIST as @lockframe/common names the policy. */
function policyFrom(value: unknown): PasswordPolicyName | null {
  const name = typeof value === 'string' ? value.toLowerCase() : null;
  return isPasswordPolicy(name) ? name : null;
}

/** The server's answer, field by field; anything missing or not understood keeps its default. */
export function serverSettingsFrom(config: Partial<ServerConfig> | null | undefined): ServerSettings {
  const { maxUploadBytes, passwordPolicy, emailVerificationRequired } = config ?? {};
  return {
    maxUploadBytes:
      typeof maxUploadBytes === 'number' && Number.isSafeInteger(maxUploadBytes) && maxUploadBytes > 0
        ? maxUploadBytes
        : DEFAULT_SERVER_SETTINGS.maxUploadBytes,
    passwordPolicy: policyFrom(passwordPolicy) ?? DEFAULT_SERVER_SETTINGS.passwordPolicy,
    emailVerificationRequired:
      typeof emailVerificationRequired === 'boolean' ? emailVerificationRequired : DEFAULT_SERVER_SETTINGS.emailVerificationRequired,
  };
}
