import { exchangeTracer } from '../output/renderers/exchange.js';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { loadConfigFile, resolveSettings, type LoadedConfig, type ResolvedSettings, type SettingFlags } from '../config/load.js';
import type { IssuerConnection } from '../issuer/endpoints.js';
import { Output } from '../output/output.js';
import type { CliIo } from './io.js';
import type { GlobalOptions, IssuerFlags } from './program.js';

/** What a command module receives: parsed options, the output layer and lazy settings. */
export interface CommandContext<O> {
  options: O & GlobalOptions;
  output: Output;
  /** The environment this run reads (the process's, or an in-process caller's). */
  env: NodeJS.ProcessEnv;
  /** Loads the config file and applies the precedence rules; `flags` are the command's own. */
  settings(flags?: Omit<SettingFlags, 'context'>): Promise<ResolvedSettings>;
  /** The issuer connection from `--base-url/--target/--token`, environment and config. */
  connection(flags: IssuerFlags): Promise<IssuerConnection>;
  config(): Promise<LoadedConfig>;
  /** True when the user gave this option (camelCase name), not its default: commander knows the source. */
  given(option: string): boolean;
}

export function createContext<O>(command: CommandUnknownOpts, io: CliIo): CommandContext<O> {
  // The command's declaration (cli/program.ts) gives O; commander has parsed into it.
  const options = command.optsWithGlobals() as O & GlobalOptions;
  const output = new Output({ json: options.json, quiet: options.quiet, verbose: options.verbose, color: options.color, ...io });
  let loaded: Promise<LoadedConfig> | undefined;
  const config = (): Promise<LoadedConfig> => (loaded ??= loadConfigFile({ file: options.config }));
  const settings = async (flags: Omit<SettingFlags, 'context'> = {}): Promise<ResolvedSettings> => {
    const resolved = resolveSettings(await config(), { ...flags, context: options.context }, io.env);
    if (resolved.configFile) output.debug(`config: ${resolved.configFile}${resolved.context ? ` (context ${resolved.context})` : ''}`);
    return resolved;
  };
  return {
    options,
    output,
    env: io.env,
    config,
    settings,
    given: (option) => command.getOptionValueSource(option) === 'cli',
    async connection(flags) {
      const resolved = await settings({ baseUrl: flags.baseUrl, target: flags.target, token: flags.token });
      return { baseUrl: resolved.baseUrl, target: resolved.target, token: resolved.token, trace: exchangeTracer(output) };
    },
  };
}
