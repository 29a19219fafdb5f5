/** The product mark and name. */
export function Logo({ compact = false }: { compact?: boolean }) {
  return (
    <span class="inline-flex items-center gap-2 font-bold tracking-tight text-ink-100">
      <svg width="26" height="26" viewBox="0 0 32 32" aria-hidden="true">
        <rect width="32" height="32" rx="7" fill="#131a27" stroke="#283349" />
        <path d="M6 21l6-6 4 4 10-10" fill="none" stroke="#22d3a0" stroke-width="3"
              stroke-linecap="round" stroke-linejoin="round" />
        <circle cx="26" cy="9" r="2.5" fill="#22d3a0" />
      </svg>
      <span class={compact ? 'text-base' : 'text-lg'}>
        CopyTrade<span class="text-up">Pro</span>
      </span>
    </span>
  );
}
