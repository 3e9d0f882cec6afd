/** Helpers for showing API tokens. */

/** Expiry choices offered when creating a token; null is "never". */
export const TOKEN_EXPIRY_CHOICES: ReadonlyArray<{ days: number | null; label: string }> = [
  { days: null, label: 'No expiry' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
];

/** A value for the shell, in single quotes (a single quote inside becomes '\''). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A one-line curl call that proves a token works: asks the server who it belongs to. */
export function curlExample(origin: string, secret: string): string {
  const body = JSON.stringify({ query: '{ me { username } }' });
  return [
    'curl -s',
    shellQuote(`${origin}/graphql`),
    '-H',
    shellQuote(`authorization: Bearer ${secret}`),
    '-H',
    shellQuote('content-type: application/json'),
    '-d',
    shellQuote(body),
  ].join(' ');
}

/** "lfk_AbCdEfGh…": enough to recognise a token, never enough to use it. */
export function maskedPrefix(prefix: string): string {
  return `${prefix}…`;
}
