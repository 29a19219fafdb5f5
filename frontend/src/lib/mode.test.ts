import { describe, expect, it } from 'vitest';
import { stopsCopying } from './mode';

describe('copy-mode change that stops copying', () => {
  it('asks for RECORD and for 1TO1 without a partner, not otherwise', () => {
    expect(stopsCopying('RECORD', null)).toBe(true);
    expect(stopsCopying('RECORD', 7)).toBe(true);
    expect(stopsCopying('1TO1', null)).toBe(true);
    expect(stopsCopying('1TO1', 7)).toBe(false);
    expect(stopsCopying('PUBSUB', null)).toBe(false);
  });
});
