import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import type { Outcome } from '../services/auth.service.ts';
import { FormState } from './form-state.svelte.ts';

/** Stands in for an <input>: the form only ever calls focus() on it. */
function input(name: string, focused: string[]): HTMLInputElement {
  return { focus: () => focused.push(name) } as unknown as HTMLInputElement;
}

function form() {
  const focused: string[] = [];
  const state = new FormState(['username', 'email', 'password']);
  for (const field of ['username', 'email', 'password'] as const) state.attach(field)(input(field, focused));
  return { state, focused };
}

const ok = <T>(value: T): Promise<Outcome<T>> => Promise.resolve({ ok: true, value });
const failed = (error: AppError): Promise<Outcome<never>> => Promise.resolve({ ok: false, error });

describe('FormState', () => {
  it('sends when the checks pass, and is busy only while it sends', async () => {
    const { state } = form();
    let busyDuringSend = false;
    const outcome = await state.submit({
      check: () => ({ username: null, email: '' }),
      send: () => {
        busyDuringSend = state.submitting;
        return ok(42);
      },
    });
    expect(outcome).toEqual({ ok: true, value: 42 });
    expect(busyDuringSend).toBe(true);
    expect(state.submitting).toBe(false);
    expect(state.fieldErrors).toEqual({});
    expect(state.error).toBeNull();
  });

  it('shows every problem the checks find, focuses the first in page order, and sends nothing', async () => {
    const { state, focused } = form();
    let sent = false;
    const outcome = await state.submit({
      check: () => ({ password: 'Too short.', email: 'Not an address.' }),
      send: () => {
        sent = true;
        return ok(1);
      },
    });
    expect(outcome).toBeNull();
    expect(sent).toBe(false);
    expect(state.fieldErrors).toEqual({ email: 'Not an address.', password: 'Too short.' });
    expect(focused).toEqual(['email']);
  });

  it('puts a server error about one of its fields on that field, replacing the others', async () => {
    const { state, focused } = form();
    state.fieldErrors = { password: 'stale' };
    const outcome = await state.submit({ send: () => failed(new AppError('BAD_USER_INPUT', 'That username is taken.', { field: 'username' })) });
    expect(outcome?.ok).toBe(false);
    expect(state.fieldErrors).toEqual({ username: 'That username is taken.' });
    expect(state.error).toBeNull();
    expect(focused).toEqual(['username']);
  });

  it('puts any other failure on the form, clearing the last one first', async () => {
    const { state, focused } = form();
    await state.submit({ send: () => failed(new AppError('BAD_USER_INPUT', 'Expiry must be between 1 and 365 days.', { field: 'expiresInDays' })) });
    expect(state.error).toBe('Expiry must be between 1 and 365 days.');
    expect(state.fieldErrors).toEqual({});
    expect(focused).toEqual([]);
    await state.submit({ send: () => ok(true) });
    expect(state.error).toBeNull();
  });

  it('leaves a failure the page handles to the page', async () => {
    const { state } = form();
    const seen: string[] = [];
    await state.submit({
      send: () => failed(new AppError('RATE_LIMITED', 'Too many attempts.')),
      handle: (error) => {
        seen.push(error.code);
        return true;
      },
    });
    expect(seen).toEqual(['RATE_LIMITED']);
    expect(state.error).toBeNull();
  });

  it('ignores a second submit while the first is sending', async () => {
    const { state } = form();
    let release!: () => void;
    const first = state.submit({ send: () => new Promise<Outcome<string>>((resolve) => (release = () => resolve({ ok: true, value: 'first' }))) });
    expect(await state.submit({ send: () => ok('second') })).toBeNull();
    release();
    expect(await first).toEqual({ ok: true, value: 'first' });
  });

  it('gives each field its message, and focuses the input attached last', async () => {
    const { state, focused } = form();
    await state.showProblems({ email: 'Not an address.' });
    expect(state.field('email').error).toBe('Not an address.');
    expect(state.field('username').error).toBeUndefined();
    state.attach('email')(input('email shown again', focused));
    await state.focus('email');
    expect(focused).toEqual(['email', 'email shown again']);
  });

  it('knows which server errors are about its fields', () => {
    const { state } = form();
    expect(state.fieldOf(new AppError('BAD_USER_INPUT', 'x', { field: 'email' }))).toBe('email');
    expect(state.fieldOf(new AppError('BAD_USER_INPUT', 'x', { field: 'token' }))).toBeNull();
    expect(state.fieldOf(new AppError('RATE_LIMITED', 'x', { field: 'email' }))).toBeNull();
  });
});
