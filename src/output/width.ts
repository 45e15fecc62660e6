// How wide text is on a terminal, and cutting it to a width: lines that wrap are harder to read
// than lines that are shortened. Text is measured after escaping and before colouring.

// East Asian wide and fullwidth characters and emoji take two columns (Unicode UAX #11).
const WIDE =
  /[\u1100-\u115f\u231a\u231b\u2329\u232a\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2-\u26f5\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{16fe0}-\u{16fe4}\u{17000}-\u{18cff}\u{1b000}-\u{1b2ff}\u{1f004}\u{1f0cf}\u{1f18e}\u{1f191}-\u{1f19a}\u{1f200}-\u{1f251}\u{1f300}-\u{1f64f}\u{1f680}-\u{1f6ff}\u{1f7e0}-\u{1f7eb}\u{1f90c}-\u{1f9ff}\u{1fa70}-\u{1faff}\u{20000}-\u{3fffd}]/u;
// Combining marks (variation selectors among them), zero-width spaces and joiners take none.
const ZERO = /\p{M}|\u200b|\u200c|\u200d|\u2060/u;
// Most text is ASCII: measured by its length, without looking at each character.
const NOT_ASCII = /[^\u0020-\u007e]/;

function charWidth(ch: string): number {
  return ZERO.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
}

/** Columns the text takes on a terminal (no control characters or colour codes in it). */
export function displayWidth(text: string): number {
  if (!NOT_ASCII.test(text)) return text.length;
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return width;
}

/** The longest start of `text` that takes at most `width` columns. */
function head(text: string, width: number): string {
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const w = charWidth(ch);
    if (used + w > width) break;
    used += w;
    end += ch.length;
  }
  return text.slice(0, end);
}

/** The longest end of `text` that takes at most `width` columns. */
function tail(text: string, width: number): string {
  const chars = Array.from(text);
  let used = 0;
  let start = chars.length;
  while (start > 0 && used + charWidth(chars[start - 1]!) <= width) used += charWidth(chars[--start]!);
  return chars.slice(start).join('');
}

/** Cut at the end to `width` columns, `…` marking the cut. */
export function fit(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  return width <= 0 ? '' : `${head(text, width - 1)}…`;
}

/**
 * Cut in the middle to `width` columns, `…` marking the cut: ids, paths and event types differ
 * at both ends (`msg_2Qx…f3a`, `openid4vc.issu…failed`), so both stay.
 */
export function shorten(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 1) return width === 1 ? '…' : '';
  const right = Math.floor((width - 1) / 2);
  return `${head(text, width - 1 - right)}…${tail(text, right)}`;
}
