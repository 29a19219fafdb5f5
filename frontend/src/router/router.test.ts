import { describe, expect, it } from 'vitest';
import { match } from './index';

describe('match', () => {
  it('extracts named segments', () => {
    expect(match('/accounts/:id', '/accounts/42')).toEqual({ id: '42' });
    expect(match('/accounts/:id', '/accounts/42/')).toEqual({ id: '42' });
    expect(match('/accounts/:id', '/accounts')).toBeNull();
    expect(match('/dashboard/:id', '/accounts/1')).toBeNull();
  });
});
