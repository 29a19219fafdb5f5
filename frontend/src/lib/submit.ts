import { useState } from 'preact/hooks';
import { isAbort } from '../api';
import { toast as showToast } from '../state/toast';
import { errorMessage, fieldErrors } from './errors';
import { useAbortable } from './hooks';
import type { Errors } from './validate';

export interface SubmitOptions<T> {
  /** Checks before the call; any error stops the submit and is shown per field. */
  validate?: () => Errors;
  /** Runs with the answer (store it, navigate, reset the form…). */
  onSuccess?: (result: T) => void;
  /** A toast after success. */
  toast?: string | ((result: T) => string);
  /** Where the sentence for a failed call goes: `formError` (the default) or an error toast. */
  failureTo?: 'form' | 'toast';
  /** Show that sentence even when the API named fields (by default only when it named none). */
  alwaysSentence?: boolean;
  /** The sentence for a failure; default {@link errorMessage}. */
  message?: (err: unknown) => string;
  /** The per-field errors of a failure; default {@link fieldErrors}. */
  fieldsOf?: (err: unknown) => Errors;
  /** A sentence shown beside the client-side check's errors (by default none). */
  invalidSentence?: string;
}

/** What a submit writes to: the hook's state, or plain functions in a test. */
export interface SubmitSink {
  setBusy: (busy: boolean) => void;
  setErrors: (errors: Errors) => void;
  setFormError: (message: string | null) => void;
  toast: (text: string, tone: 'ok' | 'error') => void;
}

/**
 * One submit: validate, call with a fresh AbortSignal, then show success or map the API's
 * error (`{"error": {"code", "message", "fields"}}`) to per-field errors and a sentence.
 * An aborted call (the component went away, or a newer submit) shows nothing.
 */
export async function runSubmit<T>(action: (signal: AbortSignal) => Promise<T>,
                                   signal: () => AbortSignal, opts: SubmitOptions<T>,
                                   sink: SubmitSink): Promise<void> {
  const errs = opts.validate?.() ?? {};
  sink.setErrors(errs);
  sink.setFormError(null);
  if (Object.keys(errs).length) {
    if (opts.invalidSentence) sink.setFormError(opts.invalidSentence);
    return;
  }
  sink.setBusy(true);
  try {
    const result = await action(signal());
    opts.onSuccess?.(result);
    if (opts.toast) sink.toast(typeof opts.toast === 'string' ? opts.toast : opts.toast(result), 'ok');
  } catch (err) {
    if (isAbort(err)) return;
    const fields = (opts.fieldsOf ?? fieldErrors)(err);
    sink.setErrors(fields);
    const message = (opts.message ?? errorMessage)(err);
    if (opts.alwaysSentence || !Object.keys(fields).length) {
      if (opts.failureTo === 'toast') sink.toast(message, 'error');
      else sink.setFormError(message);
    }
  } finally {
    sink.setBusy(false);
  }
}

export interface Submit {
  busy: boolean;
  /** Per-field errors: the client's checks, else the API's `fields`. */
  errors: Errors;
  setErrors: (errors: Errors) => void;
  /** The sentence for a failed call (see {@link SubmitOptions.failureTo}). */
  formError: string | null;
  /** Use as `onSubmit` (it prevents the browser's own submit) or call directly. */
  submit: (e?: Event) => Promise<void>;
}

/** Every form's submit: busy state, error mapping and the success toast in one place. */
export function useSubmit<T>(action: (signal: AbortSignal) => Promise<T>,
                             opts: SubmitOptions<T> = {}): Submit {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const abortable = useAbortable();
  const submit = (e?: Event) => {
    e?.preventDefault();
    return runSubmit(action, abortable, opts,
                     { setBusy, setErrors, setFormError, toast: (text, tone) => showToast(text, tone) });
  };
  return { busy, errors, setErrors, formError, submit };
}
