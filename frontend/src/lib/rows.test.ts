import { describe, expect, it } from 'vitest';
import { dropRow, mergeRow } from './rows';

describe('mergeRow', () => {
  it('updates known rows field by field and puts new rows first', () => {
    const list = [{ id: 2, a: 1, b: 'x' }, { id: 1, a: 0, b: 'y' }];
    expect(mergeRow(list, { id: 1, a: 5 })).toEqual([{ id: 2, a: 1, b: 'x' }, { id: 1, a: 5, b: 'y' }]);
    expect(mergeRow(list, { id: 3, a: 9, b: 'z' })[0]).toEqual({ id: 3, a: 9, b: 'z' });
    expect(dropRow(list, 2)).toEqual([{ id: 1, a: 0, b: 'y' }]);
  });
});
