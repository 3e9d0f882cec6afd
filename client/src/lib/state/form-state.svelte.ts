import { tick } from 'svelte';
import { createAttachmentKey, type Attachment } from 'svelte/attachments';
import type { AppError } from '../errors.ts';
import type { Outcome } from '../services/auth.service.ts';

/** A message per field; a field without one (undefined, null or "") is fine. */
export type FieldProblems<Field extends string> = Partial<Record<Field, string | null | undefined>>;

export interface Submission<Field extends string, T> {
  /**
   * Checks in the browser first: any problem is shown on its field, the first one focused, and
   * nothing is sent. May be async (the common-password check loads its dictionaries on first use).
   */
  check?: () => FieldProblems<Field> | Promise<FieldProblems<Field>>;
  /** The service call (which has already toasted and dealt with an ended session). */
  send: () => Promise<Outcome<T>>;
  /** Sees a failure before it is shown; return true when the page has dealt with it itself. */
  handle?: (error: AppError) => boolean | void;
}

/** What a TextField takes to be one of a form's fields: its message, and how the form finds its input. */
export interface FieldProps {
  error: string | undefined;
  [key: symbol]: Attachment<HTMLInputElement>;
}

/**
 * One form's submit scaffolding: the busy flag, the message about the whole form, a message per
 * field, and focus on the first field that is wrong. Fields are listed in their order on the page.
 * The page gives each field's TextField `{...form.field('email')}` and shows `error` above them.
 */
export class FormState<Field extends string> {
  submitting = $state(false);
  /** About the whole form, shown above the fields; null when there is nothing to say. */
  error = $state<string | null>(null);
  fieldErrors = $state<Partial<Record<Field, string>>>({});
  readonly #fields: readonly Field[];
  /** Only ever focused, never shown: no need for reactive state. */
  readonly #inputs = new Map<Field, HTMLInputElement>();
  readonly #attachmentKey = createAttachmentKey();

  constructor(fields: readonly Field[]) {
    this.#fields = fields;
  }

  /** Spread onto the field's TextField (or NewPasswordField). */
  field(field: Field): FieldProps {
    return { error: this.fieldErrors[field], [this.#attachmentKey]: this.attach(field) };
  }

  /** Records the field's input; one shown again later (a form re-rendered) replaces it. */
  attach(field: Field): Attachment<HTMLInputElement> {
    return (input) => {
      this.#inputs.set(field, input);
    };
  }

  /**
   * One submission: ignored while one is running; the browser's checks, then the call; a failure
   * goes on the field the server names (BAD_USER_INPUT with extensions.field), else on the form.
   * Resolves to the call's outcome, or null when nothing was sent.
   */
  async submit<T>({ check, send, handle }: Submission<Field, T>): Promise<Outcome<T> | null> {
    if (this.submitting) return null;
    this.error = null;
    // No await before `submitting` is set, or a second click could slip past the guard above.
    this.submitting = true;
    let invalid: Field | undefined;
    try {
      invalid = this.#show((await check?.()) ?? {});
    } finally {
      if (invalid !== undefined) this.submitting = false;
    }
    if (invalid !== undefined) {
      await this.focus(invalid);
      return null;
    }

    const outcome = await send().finally(() => {
      this.submitting = false;
    });
    if (!outcome.ok && !handle?.(outcome.error)) {
      const field = this.fieldOf(outcome.error);
      if (field) await this.showProblems({ [field]: outcome.error.message } as FieldProblems<Field>);
      else this.error = outcome.error.message;
    }
    return outcome;
  }

  /** The field of this form a server error is about, or null. */
  fieldOf(error: AppError): Field | null {
    const field = this.#fields.find((f) => f === error.field);
    return error.code === 'BAD_USER_INPUT' && field !== undefined ? field : null;
  }

  /** Shows these problems in place of the earlier ones and focuses the first; true when there was one. */
  async showProblems(problems: FieldProblems<Field>): Promise<boolean> {
    const first = this.#show(problems);
    if (first !== undefined) await this.focus(first);
    return first !== undefined;
  }

  /** After the next render, so the field's message and aria-invalid are there when focus lands. */
  async focus(field: Field): Promise<void> {
    await tick();
    this.#inputs.get(field)?.focus();
  }

  /** Replaces the field errors; returns the first field with one, in page order. */
  #show(problems: FieldProblems<Field>): Field | undefined {
    const shown: Partial<Record<Field, string>> = {};
    for (const field of this.#fields) {
      const message = problems[field];
      if (message) shown[field] = message;
    }
    this.fieldErrors = shown;
    return this.#fields.find((field) => shown[field]);
  }

  clear(): void {
    this.error = null;
    this.fieldErrors = {};
  }
}
