import { describe, expect, it } from 'vitest';
import {
  describeSecurityDetails,
  isWarningEvent,
  SECURITY_EVENT_LABELS,
  securityEventLabel,
  tokenNamesById,
  type SecurityEventLike,
} from './security-events.ts';

describe('security event labels', () => {
  it('has words for every event the server records', () => {
    for (const event of [
      'register',
      'login.success',
      'login.failure',
      'login.throttled',
      'lockout',
      'logout',
      'password.change',
      'password.reset.request',
      'password.reset',
      'email.verify',
      'token.create',
      'token.revoke',
      'token.use',
      'session.revoke',
      'upload',
      'delete',
      'integrity.failure',
      'login.mfa.failure',
      'mfa.enable',
      'mfa.disable',
      'mfa.recovery.regenerate',
      'mfa.recovery.use',
      'passkey.add',
      'passkey.remove',
    ]) {
      expect(SECURITY_EVENT_LABELS[event], event).toBeTruthy();
      expect(securityEventLabel(event)).not.toBe(event);
    }
  });

  it('shows unknown names as they are, and never reads the prototype', () => {
    expect(securityEventLabel('something.new')).toBe('something.new');
    expect(securityEventLabel('constructor')).toBe('constructor');
    expect(securityEventLabel('__proto__')).toBe('__proto__');
  });

  it('flags the events worth a second look', () => {
    expect(isWarningEvent('lockout')).toBe(true);
    expect(isWarningEvent('login.failure')).toBe(true);
    expect(isWarningEvent('login.success')).toBe(false);
  });
});

describe('describeSecurityDetails', () => {
  const events: SecurityEventLike[] = [
    { event: 'token.revoke', details: { tokenId: 't1' } },
    { event: 'token.use', details: { tokenId: 't1' } },
    { event: 'token.create', details: { tokenId: 't1', name: 'backup script' } },
  ];

  it('names tokens, also for events that only carry the id', () => {
    const names = tokenNamesById(events);
    expect(describeSecurityDetails(events[2]!, names)).toBe('Token “backup script”');
    expect(describeSecurityDetails(events[0]!, names)).toBe('Token “backup script”');
    expect(describeSecurityDetails({ event: 'token.use', details: { tokenId: 'other' } }, names)).toBe('');
  });

  it('says what a session or password event did', () => {
    expect(describeSecurityDetails({ event: 'session.revoke', details: { ended: 3 } })).toBe('3 sessions ended');
    expect(describeSecurityDetails({ event: 'password.change', details: { endedSessions: 1 } })).toBe('1 other session ended');
    expect(describeSecurityDetails({ event: 'password.change', details: { endedSessions: 0 } })).toBe('');
    expect(describeSecurityDetails({ event: 'lockout', details: { retryAfterSeconds: 900 } })).toBe('Locked for 15 minutes');
    expect(describeSecurityDetails({ event: 'upload', details: { imageId: 'x', bytes: 1536 } })).toBe('1.5 KiB');
  });

  it('ignores what it does not understand', () => {
    expect(describeSecurityDetails({ event: 'login.success', details: null })).toBe('');
    expect(describeSecurityDetails({ event: 'x', details: [1, 2] })).toBe('');
    expect(describeSecurityDetails({ event: 'x', details: { ended: 'lots', bytes: -1, name: { evil: true } } })).toBe('');
  });

  it('cuts very long names', () => {
    const text = describeSecurityDetails({ event: 'token.create', details: { name: 'n'.repeat(500) } });
    expect(text.length).toBeLessThan(140);
    expect(text.endsWith('…”')).toBe(true);
  });
});
