/**
 * The input attributes a kind of field always has, for spreading into a TextField before the
 * field's own id, label and value: browsers and password managers then fill every form the same way.
 */

export const USERNAME_INPUT = { autocomplete: 'username', autocapitalize: 'none', spellcheck: false, required: true } as const;

export const EMAIL_INPUT = { name: 'email', type: 'email', label: 'E-mail', autocomplete: 'email', spellcheck: false, required: true } as const;

/** A password the person already has. */
export const CURRENT_PASSWORD_INPUT = { name: 'password', type: 'password', label: 'Password', autocomplete: 'current-password', required: true } as const;
