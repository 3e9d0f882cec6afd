import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
import { dictionary as englishDictionary, translations } from '@zxcvbn-ts/language-en';

/**
 * Whether a password that meets the composition rules is still easy to guess. Its own entry
 * point (`@lockframe/common/password-strength`) because its dictionaries weigh about 1.5 MB: the
 * server loads it once, the web client only on the pages that set a password.
 *
 * Two tests, either refuses (rule "common"):
 * 1. the blocklist (zxcvbn-ts's ~49,000 common passwords), matched on the whole password and on
 *    its letters alone after undoing leetspeak (`P@ssw0rd2024!` → `password`), which is how
 *    people dress a common password up to meet the rules;
 * 2. zxcvbn-ts's guess estimate with its common and English dictionaries: a score below 3
 *    ("safely unguessable: moderate protection from offline slow-hash attacks" needs 10^8 guesses).
 */

export const MIN_STRENGTH_SCORE = 3;

/** The usual substitutions; `1`, `!` and `|` stand for i or l, so both are tried. */
const LEET: Readonly<Record<string, string>> = { '4': 'a', '@': 'a', '8': 'b', '(': 'c', '3': 'e', '6': 'g', '9': 'g', '#': 'h', '0': 'o', '5': 's', $: 's', '7': 't', '+': 't', '2': 'z', '%': 'x' };
const I_OR_L = new Set(['1', '!', '|']);
/** Letter cores shorter than this are not compared: too many short words are on the list. */
const MIN_CORE = 4;

export type GuessableReason = 'blocklist' | 'estimate';

let blocklist: Set<string> | undefined;
let estimator: ZxcvbnFactory | undefined;

function commonPasswords(): Set<string> {
  blocklist ??= new Set((commonDictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return blocklist;
}

function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...commonDictionary, ...englishDictionary },
    graphs: adjacencyGraphs,
    translations,
  });
  return estimator;
}

function unleet(text: string, iOrL: string): string {
  let out = '';
  for (const ch of text) out += I_OR_L.has(ch) ? iOrL : (LEET[ch] ?? ch);
  return out;
}

const NOT_LETTERS = /\P{L}/gu;

/**
 * The password's letters, lower-cased, in the readings a guesser would try: digits and symbols
 * stripped (`Welcome2024!` → `welcome`); leetspeak undone inside the word once what was added
 * before and after it is cut off (`M0nk3y-123456` → `monkey`); leetspeak undone everywhere
 * (`4dm1n!` → `admin`). `1`, `!` and `|` are read as i and as l.
 */
export function letterCores(password: string): string[] {
  const lower = password.toLowerCase();
  const inner = lower.replace(/^\P{L}+|\P{L}+$/gu, '');
  const cores = new Set<string>([lower.replace(NOT_LETTERS, '')]);
  for (const iOrL of ['i', 'l']) {
    cores.add(unleet(inner, iOrL).replace(NOT_LETTERS, ''));
    cores.add(unleet(lower, iOrL).replace(NOT_LETTERS, ''));
  }
  return [...cores].filter((core) => core.length >= MIN_CORE);
}

/** The number of blocklisted passwords (for documentation and tests). */
export function blocklistSize(): number {
  return commonPasswords().size;
}

/**
 * Why the password is guessable, or null when it is not. `personal` are words an attacker would
 * try first for this account (username, e-mail name). Call after the length rules: zxcvbn's cost
 * grows with the length.
 */
export function guessablePassword(password: string, personal: string[] = []): GuessableReason | null {
  const list = commonPasswords();
  if (list.has(password.toLowerCase()) || letterCores(password).some((core) => list.has(core))) return 'blocklist';
  const { score } = zxcvbn().check(password, personal.filter(Boolean));
  return score < MIN_STRENGTH_SCORE ? 'estimate' : null;
}

export const GUESSABLE_MESSAGE: Readonly<Record<GuessableReason, string>> = {
  blocklist: 'That password is on the list of common passwords (also counting letters swapped for digits or symbols, and digits or symbols added). Choose another.',
  estimate: 'That password is too easy to guess: it follows a common pattern (a word, a name, a date, a keyboard row). Try a few unrelated words.',
};
