import type { GuessableReason } from '@lockframe/common/password-strength';

/**
 * The server's "common" password rule (@lockframe/common/password-strength), checked in the
 * browser so the form says what the server will say. Its dictionaries are about 1.5 MB, so they
 * load on first use, only on the pages that set a password.
 */
type StrengthModule = typeof import('@lockframe/common/password-strength');

let loading: Promise<StrengthModule> | undefined;

function load(): Promise<StrengthModule> {
  loading ??= import('@lockframe/common/password-strength').catch((error: unknown) => {
    // A failed chunk load is tried again next time; the server checks anyway.
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * The sentence the server would answer with for a guessable password, or null. Only for a
 * password that already meets the length and character rules (zxcvbn's cost grows with length).
 * Null when the check could not load: the server is authoritative.
 */
export async function guessablePasswordProblem(password: string, personal: readonly string[] = []): Promise<string | null> {
  try {
    const strength = await load();
    const reason: GuessableReason | null = strength.guessablePassword(password, personal.map((p) => p.trim().toLowerCase()).filter((p) => p.length >= 3));
    return reason ? strength.GUESSABLE_MESSAGE[reason] : null;
  } catch {
    return null;
  }
}
