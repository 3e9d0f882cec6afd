import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_UPLOAD_BYTES } from '@lockframe/common';
import { DEFAULT_SERVER_SETTINGS, serverSettingsFrom } from './server-config.ts';

describe('server settings', () => {
  it('default to what the client assumed before it could ask', () => {
    expect(DEFAULT_SERVER_SETTINGS).toEqual({ maxUploadBytes: DEFAULT_MAX_UPLOAD_BYTES, passwordPolicy: 'classic', emailVerificationRequired: true });
    expect(serverSettingsFrom(null)).toEqual(DEFAULT_SERVER_SETTINGS);
    expect(serverSettingsFrom(undefined)).toEqual(DEFAULT_SERVER_SETTINGS);
  });

  it('take the server\'s answer', () => {
    expect(serverSettingsFrom({ maxUploadBytes: 1_000_000, passwordPolicy: 'NIST', emailVerificationRequired: false })).toEqual({
      maxUploadBytes: 1_000_000,
      passwordPolicy: 'nist',
      emailVerificationRequired: false,
    });
  });

  it('keep the default of any field missing or not understood', () => {
    // A newer server may name a policy this client does not know.
    expect(serverSettingsFrom({ maxUploadBytes: 0, passwordPolicy: 'STRICT' as never })).toEqual(DEFAULT_SERVER_SETTINGS);
    expect(serverSettingsFrom({ maxUploadBytes: -5, passwordPolicy: 42 as never, emailVerificationRequired: false })).toEqual({
      ...DEFAULT_SERVER_SETTINGS,
      emailVerificationRequired: false,
    });
    expect(serverSettingsFrom({ maxUploadBytes: 1.5 }).maxUploadBytes).toBe(DEFAULT_MAX_UPLOAD_BYTES);
  });
});
