import { describe, expect, it } from 'vitest';
import { guessablePasswordProblem } from './password-strength.ts';

describe('the common-password rule in the browser', () => {
  it.each(['Password123!', 'Welcome2024!', 'Qwerty123456!'])('gives the server\'s verdict on %s', async (password) => {
    expect(await guessablePasswordProblem(password)).toMatch(/common/);
  });

  it('lets a hard one through', async () => {
    expect(await guessablePasswordProblem('Correct-Horse-9-Battery')).toBeNull();
  });
});
