import { stripVTControlCharacters } from 'node:util';

/** The columns a terminal gives a text: colour codes take none. */
export function visibleLength(text: string): number {
  return [...stripVTControlCharacters(text)].length;
}

/**
 * Rows as lines whose columns start at the same place: every cell but a row's last is padded to
 * its column's widest cell, measured as shown (colour codes take no width).
 */
export function alignColumns(rows: readonly (readonly string[])[], gap = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell))))
      .join(gap)
      .trimEnd(),
  );
}
