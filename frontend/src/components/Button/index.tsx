import type { ComponentChildren, JSX } from 'preact';
import { Link } from '../Link';
import { Spinner } from '../Spinner';

export type Variant = 'primary' | 'secondary' | 'ghost' | 'danger';

const VARIANTS: Record<Variant, string> = {
  primary: 'bg-blue-600 text-white hover:bg-blue-700 disabled:bg-blue-600/50',
  secondary: 'bg-ink-700 text-ink-100 hover:bg-ink-600 border border-ink-600',
  ghost: 'text-ink-200 hover:bg-ink-700/60',
  danger: 'bg-down/15 text-down border border-down/40 hover:bg-down/25',
};

export function buttonClass(variant: Variant = 'primary', small = false): string {
  return `inline-flex items-center justify-center gap-2 rounded-lg font-semibold
    transition-colors disabled:cursor-not-allowed disabled:opacity-60
    ${small ? 'px-3 py-1.5 text-sm' : 'px-4 py-2.5 text-sm'} ${VARIANTS[variant]}`;
}

type Props = JSX.ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: Variant;
  busy?: boolean;
  small?: boolean;
  children: ComponentChildren;
};

export function Button({ variant = 'primary', busy = false, small = false, class: cls,
                         disabled, children, type = 'button', ...rest }: Props) {
  return (
    <button
      {...rest}
      type={type}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      class={`${buttonClass(variant, small)} ${cls ?? ''}`}
    >
      {busy && <Spinner size={14} />}
      {children}
    </button>
  );
}

/** A link that looks like a button (navigation, not an action). */
export function LinkButton({ href, variant = 'primary', small = false, children, testid }: {
  href: string; variant?: Variant; small?: boolean; children: ComponentChildren; testid?: string;
}) {
  return <Link href={href} class={buttonClass(variant, small)} data-testid={testid}>{children}</Link>;
}
