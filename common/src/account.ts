/** Usernames and e-mail addresses: what the server stores and what the client pre-checks. */

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;

/** The characters a username may use, at any length; the client checks them apart from the length to say which is wrong. */
export const USERNAME_CHARACTERS = /^[a-z0-9_.-]+$/;

/** A whole valid (normalised) username. */
export const USERNAME_PATTERN = new RegExp(`^[a-z0-9_.-]{${USERNAME_MIN},${USERNAME_MAX}}$`);

/** The longest address SMTP allows; also the width of the column that stores it. */
export const EMAIL_MAX = 254;

/**
 * Deliberately simple: one "@", a dot in the domain, no spaces or angle brackets, a local part of
 * at most 64 characters and a top-level part of 2 or more. The real check is the mail.
 */
export const EMAIL_PATTERN = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/;

/** Usernames are case-insensitive: stored, compared and shown in lower case. */
export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Addresses are compared in lower case: one account per mailbox, however it is typed. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Whether a normalised address has an acceptable length and shape. */
export function isValidEmail(email: string): boolean {
  return email.length <= EMAIL_MAX && EMAIL_PATTERN.test(email);
}
