import type { InspectReporter } from '../../inspector/run.js';
import { escapeLine } from '../../shared/escape.js';
import type { Output } from '../output.js';

/** Invalid lines reported one by one per file at most; the rest are only counted. */
const SHOWN_INVALID = 5;

/** The line scripts and tests wait for (contract): `Inspector: <url>` on stderr, even with --quiet. */
export function renderInspectorUrl(output: Output, url: string): void {
  output.notice(`Inspector: ${url}`);
}

/** `inspect`: what each file held, the URL, and lines that are not records. */
export class InspectRenderer implements InspectReporter {
  private readonly invalidShown = new Map<string, number>();

  constructor(private readonly output: Output) {}

  loaded(file: string, records: number, invalid: number): void {
    this.output.info(`${escapeLine(file)}: ${records} record${records === 1 ? '' : 's'}${invalid ? `, ${invalid} invalid line${invalid === 1 ? '' : 's'} skipped` : ''}`);
  }

  invalid(file: string, line: number, why: string): void {
    const shown = this.invalidShown.get(file) ?? 0;
    this.invalidShown.set(file, shown + 1);
    if (shown < SHOWN_INVALID) this.output.warn(`${file}:${line}: ${why} (skipped)`);
    else if (shown === SHOWN_INVALID) this.output.warn(`${file}: more invalid lines, not shown`);
  }

  serving(url: string): void {
    renderInspectorUrl(this.output, url);
    this.output.info('Open it in a browser; the page updates as the files grow. Ctrl-C to stop.');
  }
}
