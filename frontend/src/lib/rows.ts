/** List updates from live events, which may carry only part of a row. */

/** Merge `row` into the list by id (new rows go first, newest-first like the API). */
export function mergeRow<T extends { id: number }>(list: readonly T[],
                                                    row: Partial<T> & { id: number }): T[] {
  const i = list.findIndex((x) => x.id === row.id);
  if (i < 0) return [row as T, ...list];
  return list.map((x) => (x.id === row.id ? { ...x, ...row } : x));
}

export function dropRow<T extends { id: number }>(list: readonly T[], id: number): T[] {
  return list.filter((x) => x.id !== id);
}
