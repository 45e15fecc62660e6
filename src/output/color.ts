import { Chalk, type ChalkInstance } from 'chalk';

interface ColorOptions {
  /** false when `--no-color` was given. */
  color?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Colour level for one stream. Order: `--no-color` > NO_COLOR > FORCE_COLOR > TTY detection.
 * chalk's own detection looks at stdout only and not at NO_COLOR, hence this function.
 */
export function colorLevel(stream: NodeJS.WriteStream, options: ColorOptions = {}): 0 | 1 | 2 | 3 {
  const env = options.env ?? process.env;
  if (options.color === false) return 0;
  // no-color.org: "when present and not an empty string, prevents the addition of ANSI color".
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2') return 2;
    if (force === '3') return 3;
    return 1;
  }
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  const depth = typeof stream.getColorDepth === 'function' ? stream.getColorDepth(env) : 4;
  return depth >= 24 ? 3 : depth >= 8 ? 2 : depth >= 4 ? 1 : 0;
}

export function chalkFor(stream: NodeJS.WriteStream, options: ColorOptions = {}): ChalkInstance {
  return new Chalk({ level: colorLevel(stream, options) });
}
