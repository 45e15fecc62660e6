// Control characters: C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F).
// ESC is in C0; escaping it stops a payload from driving the terminal (docs/cli.md, "Output").
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const CONTROL_AND_NEWLINES = /[\u0000-\u001f\u007f-\u009f]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (ch === '\r') return '\\r';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Escapes control characters in network-sourced text, keeping `\n` and `\t`. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, visible);
}

/** Escapes control characters including newlines, for one-line summaries. */
export function escapeLine(text: string): string {
  return text.replace(CONTROL_AND_NEWLINES, visible);
}
