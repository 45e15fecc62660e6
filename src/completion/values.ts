import { SHELLS } from './shells.js';

/**
 * The values the command line can complete, each taken from the module that owns it: event
 * types from the catalog, schemes from the scheme registry, profiles from the sandbox, contexts
 * from the configuration file. Sources import their module only when asked: a TAB after
 * `issuer-events ` loads none of them, a TAB after `--context ` reads the configuration file.
 */

/** One candidate: the word, and the description zsh, fish and PowerShell show beside it. */
export interface Value {
  value: string;
  description: string;
}

/** Values for one option or argument; `line` holds the words after the program name, the one being completed last. */
export type Source = (line: readonly string[]) => Promise<Value[]>;

const plain = (values: readonly string[], description = ''): Value[] => values.map((value) => ({ value, description }));

/** The value of an option given earlier on the line (`--config x` or `--config=x`). */
function optionOnLine(line: readonly string[], flag: string): string | undefined {
  for (let i = line.length - 1; i >= 0; i--) {
    const word = line[i]!;
    if (word === flag) return line[i + 1];
    if (word.startsWith(`${flag}=`)) return word.slice(flag.length + 1);
  }
  return undefined;
}

/** The configuration file as every command finds it (`--config` on the line, else searched from the cwd); undefined when it cannot be read. */
async function configOf(line: readonly string[]) {
  const { loadConfigFile } = await import('../config/load.js');
  // An unreadable or invalid file completes nothing from it: the command itself reports it when run.
  return loadConfigFile({ file: optionOnLine(line, '--config') }).catch(() => undefined);
}

/** Catalog types (only `--provider`'s, when the line names one), each with its meaning. */
const eventTypes: Source = async (line) => {
  const { EVENT_CATALOG } = await import('../issuer/event-types.js');
  const provider = optionOnLine(line, '--provider');
  return EVENT_CATALOG.filter((entry) => provider === undefined || entry.provider === provider).map((entry) => ({ value: entry.type, description: entry.description }));
};

/** A comma-separated list being typed (`--events a,b,<TAB>`): the values are offered after what is already there. */
function commaList(source: Source): Source {
  return async (line) => {
    const current = line.at(-1) ?? '';
    // `--events=a,b` (one word): the shell keeps the `--events=` part itself.
    const typed = current.startsWith('-') ? current.slice(current.indexOf('=') + 1) : current;
    const before = typed.slice(0, typed.lastIndexOf(',') + 1);
    return (await source(line)).map((t) => ({ ...t, value: before + t.value }));
  };
}

const eventTypeLists: Source = commaList(eventTypes);

/** Every name `--scheme` accepts where deliveries are verified (listen, verify). */
const schemes: Source = async () => plain((await import('../webhooks/index.js')).SCHEME_NAMES);

/** Schemes that can sign (replay re-signing, sandbox webhooks, the inspector's replays). */
const signingSchemes: Source = async () => plain((await import('../webhooks/index.js')).signingSchemeNames());

/** trigger: a signing scheme, or `none` to send the event unsigned (commands/trigger.ts). */
const triggerSchemes: Source = async (line) => [...(await signingSchemes(line)), { value: 'none', description: 'unsigned' }];

const providers: Source = async () => {
  const { PROVIDER_NAMES, TRIGGER_PROVIDERS } = await import('../trigger/templates.js');
  return TRIGGER_PROVIDERS.map((p) => ({ value: p, description: PROVIDER_NAMES[p] }));
};

const contexts: Source = async (line) => {
  const loaded = await configOf(line);
  return Object.entries(loaded?.config.contexts ?? {}).map(([name, settings]) => ({ value: name, description: settings.baseUrl ?? '' }));
};

/** `context show|use <name>`: a name only after an action that takes one. */
const contextNames: Source = async (line) => {
  const { CONTEXT_ACTIONS_WITH_NAME } = await import('../config/contexts.js');
  // The action is the first word after `context` that is not an option.
  const action = line.slice(line.indexOf('context') + 1).find((word) => !word.startsWith('-'));
  return (CONTEXT_ACTIONS_WITH_NAME as readonly string[]).includes(action ?? '') ? contexts(line) : [];
};

const contextActions: Source = async () => plain((await import('../config/contexts.js')).CONTEXT_ACTIONS);

/** The sandbox's profiles: the built-in ones and the configuration file's `profiles`. */
const sandboxProfiles: Source = async (line) => {
  const [{ loadProfiles }, loaded] = await Promise.all([import('../sandbox/profiles.js'), configOf(line)]);
  let profiles: ReturnType<typeof loadProfiles>;
  try {
    profiles = loadProfiles(loaded?.config.profiles);
  } catch {
    profiles = loadProfiles(undefined);
  }
  return [...profiles.values()].map((p) => ({ value: p.id, description: `${p.format}, ${p.credentialConfigurationId}` }));
};

/** demo issues the built-in profiles only (commands/demo.ts). */
const builtInProfiles: Source = async () => {
  const { BUILT_IN_PROFILES } = await import('../sandbox/profiles.js');
  return BUILT_IN_PROFILES.map((p) => ({ value: p.id, description: `${p.format}, ${p.credentialConfigurationId}` }));
};

/** `check --only/--skip`: the module table's names (check/modules.ts), with the spec each enforces. */
const checkModules: Source = commaList(async () => (await import('../check/modules.js')).MODULES.map((m) => ({ value: m.name, description: m.spec })));

/** `check --events`: the channels, or none. */
const checkChannels: Source = async () => plain(['sse,webhook', 'sse', 'webhook', 'none']);

const authMethods: Source = async () => plain((await import('../issuer/offers.js')).AUTH_METHODS);
const valueModes: Source = async () => plain((await import('../issuer/offers.js')).VALUE_MODES);
const issuerStateModes: Source = async () => plain((await import('../issuer/offers.js')).ISSUER_STATE_MODES);
const eventNameGenerations: Source = async () => plain((await import('../sandbox/events.js')).EVENT_NAME_GENERATIONS);
const outcomes: Source = async () => plain((await import('../sandbox/outcomes.js')).OUTCOMES);
/** `claim --notify`, `offer create --notify`: the OID4VCI 1.0 §11 event the wallet sends, or none. */
const notifyChoices: Source = async () => plain((await import('../wallet/notify.js')).NOTIFY_CHOICES);
/** `sandbox --fault a,b`: the faults, each with what it does. */
const faultLists: Source = commaList(async () => (await import('../sandbox/faults.js')).FAULTS.map((f) => ({ value: f.name, description: f.description })));

const shells: Source = async () => plain(SHELLS);

/** `--tunnel`: the providers that keep the body's bytes (smee is refused, so not offered). */
const tunnelProviders: Source = async () => plain((await import('../tunnel/index.js')).TUNNEL_PROVIDERS, 'public https URL for the receiver');

/** `help <TAB>`: the help topics (cli/help-topics.ts) and the commands, as commander's help command takes both. */
export function helpTopics(commands: readonly Value[]): Source {
  return async () => [...plain(Object.keys((await import('../cli/help-topics.js')).HELP_TOPICS), 'help topic'), ...commands];
}

/**
 * Which option takes which values, by long flag; a map by command where commands differ (`listen
 * --scheme` verifies, so it takes `auto`; `replay --scheme` re-signs). Options not named here
 * complete nothing after them (ports, URLs, durations, files).
 */
export const OPTION_VALUES: Record<string, Source | Record<string, Source>> = {
  '--context': contexts,
  '--profile': { 'offer create': sandboxProfiles, demo: builtInProfiles, check: sandboxProfiles },
  '--only': checkModules,
  '--skip': checkModules,
  '--scheme': { listen: schemes, verify: schemes, trigger: triggerSchemes, replay: signingSchemes },
  '--webhook-scheme': signingSchemes,
  '--replay-scheme': signingSchemes,
  '--provider': providers,
  '--auth-method': authMethods,
  '--value-mode': valueModes,
  '--issuer-state-mode': issuerStateModes,
  '--event-names': eventNameGenerations,
  '--outcome': outcomes,
  '--auto-claim-outcome': outcomes,
  '--notify': notifyChoices,
  // Event types only: `status:<STATUS>` would need bash to treat `:` as part of the word, which it does not.
  '--until': eventTypes,
  '--events': { tail: eventTypeLists, 'offer create': eventTypeLists, listen: eventTypeLists, check: checkChannels },
  '--fault': faultLists,
  '--tunnel': tunnelProviders,
};

/** Which positional argument takes which values: command path → argument name → source. */
export const ARGUMENT_VALUES: Record<string, Record<string, Source>> = {
  trigger: { 'event-type': eventTypes },
  context: { action: contextActions, name: contextNames },
  completion: { shell: shells },
};
