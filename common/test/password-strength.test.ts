import { describe, expect, it } from 'vitest';
import { blocklistSize, guessablePassword, letterCores } from '../src/password-strength.js';

describe('guessable passwords', () => {
  it.each(['Password123!', 'Welcome2024!', 'Qwerty123456!', 'P@ssw0rd2024!', 'Dr@g0n#12345', 'Sunshine!2023', 'M0nk3y-123456', 'Passw0rd!!!!'])(
    'refuses %s, though it meets the composition rules',
    (password) => {
      expect(guessablePassword(password)).not.toBeNull();
    },
  );

  it('finds a common password under leetspeak, digits and symbols', () => {
    expect(letterCores('P@ssw0rd2024!')).toContain('password');
    expect(letterCores('Welcome2024!')).toContain('welcome');
    expect(letterCores('!1!Lov3-y0u')).toContain('loveyou');
    expect(letterCores('4dm1n')).toContain('admin');
    expect(letterCores('M0nk3y-123456')).toContain('monkey');
    expect(guessablePassword('W3lc0m3-2024!')).toBe('blocklist');
  });

  it.each(['Correct-Horse-9-Battery', 'Another-Strong-Pass-77', 'Staple-Lantern-4-Orbit', 'Brand-New-Secret-42', 'Xk9#mQ2$vL7!pR', 'purple monkey dishwasher'])(
    'accepts %s',
    (password) => {
      expect(guessablePassword(password)).toBeNull();
    },
  );

  it('counts the account\'s own words as guessable', () => {
    expect(guessablePassword('Zebulon-Quartz-7')).toBeNull();
    expect(guessablePassword('Zebulon-Quartz-7', ['zebulon-quartz-7'])).toBe('estimate');
  });

  it('has the whole list', () => {
    expect(blocklistSize()).toBeGreaterThan(40_000);
  });
});
