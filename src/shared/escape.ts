// Control characters: C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F).
// ESC is in C0; escaping it stops a payload from driving the terminal (docs/cli.md, "Output").
// Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069, marks) reorder what the
// terminal shows: escaped too, so a payload cannot disguise itself.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_AND_NEWLINES = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (ch === '\r') return '\\r';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

// The same sets without /g, to test (stateless) before replacing: most text has nothing to escape.
const HAS_CONTROL = new RegExp(CONTROL.source);
const HAS_CONTROL_OR_NEWLINE = new RegExp(CONTROL_AND_NEWLINES.source);

/** Escapes control characters in network-sourced text, keeping `\n` and `\t`. */
export function escapeControl(text: string): string {
  return HAS_CONTROL.test(text) ? text.replace(CONTROL, visible) : text;
}

/** Escapes control characters including newlines, for one-line summaries. */
export function escapeLine(text: string): string {
  return HAS_CONTROL_OR_NEWLINE.test(text) ? text.replace(CONTROL_AND_NEWLINES, visible) : text;
}
