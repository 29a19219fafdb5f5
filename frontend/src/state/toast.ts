/** Short confirmations ("Saved") shown in a polite live region. */
import { signal } from '@preact/signals';

export interface Toast {
  id: number;
  text: string;
  tone: 'ok' | 'error' | 'warn';
}

export const toasts = signal<Toast[]>([]);
let next = 1;

export function toast(text: string, tone: Toast['tone'] = 'ok', ms = 4000): void {
  const id = next++;
  toasts.value = [...toasts.value, { id, text, tone }];
  setTimeout(() => {
    toasts.value = toasts.value.filter((x) => x.id !== id);
  }, ms);
}
