/** The live connection's status, for the indicator in the header. */
import { signal } from '@preact/signals';
import { live, type LiveStatus } from '../api';
import { applyAccountEvent } from './accounts';

export const liveStatus = signal<LiveStatus>('idle');

live.subscribe({
  onStatus: (s) => {
    liveStatus.value = s;
  },
  onEvent: applyAccountEvent,
});
