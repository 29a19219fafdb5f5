/** A small rotating ring; decorative (the surrounding text says what is loading). */
export function Spinner({ size = 16 }: { size?: number }) {
  return (
    <svg class="animate-spin text-ink-300" width={size} height={size} viewBox="0 0 24 24"
         aria-hidden="true">
      <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-opacity="0.25"
              stroke-width="3" />
      <path d="M21 12a9 9 0 0 0-9-9" fill="none" stroke="currentColor" stroke-width="3"
            stroke-linecap="round" />
    </svg>
  );
}
