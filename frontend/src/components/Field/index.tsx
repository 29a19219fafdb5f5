import type { ComponentChildren, JSX } from 'preact';
import { useId } from 'preact/hooks';

const INPUT = `w-full rounded-lg border bg-ink-950 px-3 py-2.5 text-ink-100 placeholder:text-ink-400
  focus:border-brand focus:outline-none focus:ring-2 focus:ring-brand/70 disabled:opacity-60`;

interface Common {
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  testid?: string;
}

/** Label, control, hint and the error of one field, wired with aria attributes. */
function Frame({ id, label, error, hint, testid, children }: Common & {
  id: string; children: ComponentChildren;
}) {
  return (
    <div class="space-y-1.5">
      <label for={id} class="block text-sm font-medium text-ink-200">{label}</label>
      {children}
      {hint && !error && <p id={`${id}-hint`} class="text-xs text-ink-400">{hint}</p>}
      {error && (
        <p id={`${id}-error`} class="text-sm text-down" role="alert"
           data-testid={testid ? `${testid}-error` : undefined}>
          {error}
        </p>
      )}
    </div>
  );
}

function describedBy(id: string, error?: string, hint?: string): string | undefined {
  if (error) return `${id}-error`;
  if (hint) return `${id}-hint`;
  return undefined;
}

type InputProps = Common & Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'label' | 'onInput'> & {
  value: string;
  onInput: (value: string) => void;
};

export function TextField({ label, error, hint, testid, value, onInput, class: cls,
                            ...rest }: InputProps) {
  const id = useId();
  return (
    <Frame id={id} label={label} error={error} hint={hint} testid={testid}>
      <input
        {...rest}
        id={id}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        data-testid={testid}
        class={`${INPUT} ${error ? 'border-down' : 'border-ink-600'} ${cls ?? ''}`}
      />
    </Frame>
  );
}

type AreaProps = Common & {
  value: string;
  onInput: (value: string) => void;
  rows?: number;
  placeholder?: string;
};

export function TextArea({ label, error, hint, testid, value, onInput, rows = 2,
                           placeholder }: AreaProps) {
  const id = useId();
  return (
    <Frame id={id} label={label} error={error} hint={hint} testid={testid}>
      <textarea
        id={id}
        rows={rows}
        value={value}
        placeholder={placeholder}
        onInput={(e) => onInput(e.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        data-testid={testid}
        class={`${INPUT} font-mono text-sm ${error ? 'border-down' : 'border-ink-600'}`}
      />
    </Frame>
  );
}

type SelectProps = Common & {
  value: string;
  onChange: (value: string) => void;
  options: { value: string; label: string }[];
  disabled?: boolean;
};

export function SelectField({ label, error, hint, testid, value, onChange, options,
                              disabled }: SelectProps) {
  const id = useId();
  return (
    <Frame id={id} label={label} error={error} hint={hint} testid={testid}>
      <select
        id={id}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        data-testid={testid}
        class={`${INPUT} ${error ? 'border-down' : 'border-ink-600'}`}
      >
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </Frame>
  );
}

export function Checkbox({ label, checked, onChange, testid, disabled }: {
  label: string; checked: boolean; onChange: (v: boolean) => void; testid?: string;
  disabled?: boolean;
}) {
  return (
    <label class="flex cursor-pointer items-center gap-3 text-sm text-ink-200">
      <input
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.currentTarget.checked)}
        data-testid={testid}
        class="size-4 rounded border-ink-500 bg-ink-950 accent-brand"
      />
      {label}
    </label>
  );
}
