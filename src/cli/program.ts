import { createRequire } from 'node:module';
import type { CommandUnknownOpts, OptionValues, Command as TypedCommand } from '@commander-js/extra-typings';
import { MODULES } from '../check/modules.js';
// Data only (no imports): sandbox --help lists the faults from their one home.
import { FAULTS } from '../sandbox/faults.js';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_TAIL_RETRIES } from '../shared/defaults.js';
import { type CliIo, processIo } from './io.js';

/**
 * The program's declaration: every command, argument and option, declared once. The commands'
 * option types are derived from it (`OptionsOf<typeof declareClaim>`) by the typings of
 * @commander-js/extra-typings, which infer them from each `.option()` in the chain: a flag with a
 * default is a string, a repeatable one (collect) a string[], a flag without a value true.
 *
 * No command module is imported here: cli.ts attaches each command's (lazily loaded) action, and
 * `complete` builds its completion tree from the declaration alone.
 */

// commander is CommonJS: require() skips the ESM wrapper's export scan (~4 ms of every start-up).
// The runtime is commander's; the types are extra-typings' (a devDependency, types only), whose
// own runtime re-exports these very classes (node_modules/@commander-js/extra-typings/index.js).
const { Command, Option } = createRequire(import.meta.url)('commander') as typeof import('@commander-js/extra-typings');

/** The command's name, which the completion scripts call back. */
export const PROGRAM_NAME = 'issuer-events';

/** The options a declaration's command receives (its own; the globals are `GlobalOptions`). */
export type OptionsOf<D extends (...args: never[]) => CommandUnknownOpts> = ReturnType<ReturnType<D>['opts']>;

/** The arguments a declaration's command passes to its action, in order. */
export type ArgumentsOf<D extends (...args: never[]) => CommandUnknownOpts> = ReturnType<D>['processedArgs'];

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** The footer every --help ends with. */
const HELP_FOOTER = 'More: issuer-events help exit-codes | help environment | help events; docs/ in the package.\n';

/** The program and its global options (docs/cli.md, "Global options"), which every command accepts. */
export function declareProgram(version: string, io: CliIo) {
  const program = new Command(PROGRAM_NAME)
    // Before any subcommand is added: they inherit it.
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // As commander's defaults, which its types do not admit: undefined (a pipe) means no wrapping.
      getOutHelpWidth: () => (io.stdout.isTTY ? io.stdout.columns : undefined) as number,
      getErrHelpWidth: () => (io.stderr.isTTY ? io.stderr.columns : undefined) as number,
    })
    .description('Follow, capture, verify and replay verifiable-credential issuance events.')
    .version(version, '--version', 'print the version')
    .option('--config <file>', 'configuration file (default: found up to the project root)')
    .option('--context <name>', 'named environment from the configuration file (env ISSUER_EVENTS_CONTEXT)')
    .option('--json', 'stdout is NDJSON: one JSON object per line, nothing else')
    .option('--no-color', 'no colours (NO_COLOR and FORCE_COLOR are honoured too)')
    .option('-q, --quiet', 'no progress output on stderr')
    .option('-v, --verbose', 'more detail on stderr, stack traces on errors')
    .showSuggestionAfterError()
    // Every subcommand's --help also lists these (--json, --quiet, --config, --context, …).
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  program.addHelpText(
    'after',
    examples('issuer-events offer create --profile openBadgeCredential --tail', 'issuer-events tail <session-id> --until status:SUCCESSFUL --timeout 2m'),
  );

  program.addHelpText('afterAll', HELP_FOOTER);
  program.addHelpCommand('help [command|topic]', 'help for a command, or a topic: exit-codes, environment, events');
  return program;
}

type Program = ReturnType<typeof declareProgram>;

/** Options every command accepts: `--json`, `--quiet`, `--config`, `--context`, `--verbose`, `--no-color`. */
export type GlobalOptions = OptionsOf<typeof declareProgram>;

// The option groups several commands share. Each group is declared on a plain command (its
// options typed from there), and added to any command by a generic function that keeps that
// command's own options in its type: a group's options in the command's type are its options.
// (Chaining .option() on a generic command would also type-check, but the declaration files
// would spell out every option's conditional type for every command type: minutes of tsc.)

function issuerOptions(command: TypedCommand) {
  return command
    .option('--base-url <url>', 'issuer base URL (default http://localhost:7005; env ISSUER_EVENTS_BASE_URL)')
    .option('--target <org.tenant.issuerService>', 'walt.id Enterprise target; selects the Enterprise API (env ISSUER_EVENTS_TARGET)')
    .option('--token <token>', 'Bearer token for walt.id Enterprise (env ISSUER_EVENTS_TOKEN)');
}

/** `--base-url`, `--target`, `--token`: the issuer to talk to. */
export type IssuerFlags = OptionsOf<typeof issuerOptions>;

function tailOptions(command: TypedCommand) {
  return command
    .option('--until <condition>', 'exit 0 once an event of this type arrives, or status:<STATUS> is reached')
    .option('--events <types>', 'comma-separated event types to print (others are still followed)')
    .option('--timeout <duration>', 'give up after this long in total (exit 124)')
    .option('--idle-timeout <duration>', 'give up after this long without any bytes (exit 124)')
    .option('--connect-timeout <duration>', 'bound on each connection attempt', DEFAULT_CONNECT_TIMEOUT)
    .option('--retries <n>', 'consecutive failed attempts before exit 1', DEFAULT_TAIL_RETRIES)
    .option('--wait-for-server <duration>', 'before the first connection, keep retrying a refused connection this long (an issuer starting in CI)')
    .option('--max-event-size <size>', 'largest SSE line or event accepted (exit 1 beyond)', '16mb')
    .option('--no-redact', 'keep private key material (JWK d, p, q, …) in captures and output')
    .option('--save <file>', 'append every event to this NDJSON capture file');
}

/** The options `tail` and `offer create --tail` share. */
export type FollowFlags = OptionsOf<typeof tailOptions>;

/** hmac-sha256 options, shared by listen and verify. */
function hmacOptions(command: TypedCommand) {
  return command
    .option('--signature-header <name>', 'hmac-sha256: header holding the signature')
    .option('--signature-encoding <hex|base64>', 'hmac-sha256: signature encoding (default hex)')
    .option('--signature-prefix <text>', 'hmac-sha256: prefix before the signature, e.g. sha256=');
}

/** `--signature-header/-encoding/-prefix` for the generic hmac-sha256 scheme. */
export type HmacFlags = OptionsOf<typeof hmacOptions>;

/**
 * `add(command)`: the group's options added to the command (commander adds them in place and
 * returns the command), and to its options' type.
 */
function group<F extends OptionValues>(declare: (command: TypedCommand) => TypedCommand<[], F>) {
  return <A extends unknown[], O extends OptionValues, G extends OptionValues>(command: TypedCommand<A, O, G>): TypedCommand<A, O & F, G> => {
    declare(command as unknown as TypedCommand);
    return command as unknown as TypedCommand<A, O & F, G>;
  };
}

const addIssuerOptions = group(issuerOptions);
const addTailOptions = group(tailOptions);
const scheme = group(hmacOptions);

/** The sandbox's faults, one line each, for its help. */
function faultList(): string {
  const width = Math.max(...FAULTS.map((f) => f.name.length)) + 2;
  return FAULTS.map((f) => `  ${f.name.padEnd(width)}${f.description}`).join('\n');
}

/** Repeatable options (`--secret a --secret b`). */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

// One declaration per command; each returns the command whose action runs it.

export function declareOfferCreate(program: Program) {
  const offer = program.command('offer').description('credential offers').exitOverride();
  return addTailOptions(
    addIssuerOptions(
      offer
        .command('create')
        .description('create a credential offer')
        .option('--profile <profileId>', 'issuance profile, e.g. openBadgeCredential (required)')
        .addOption(new Option('--auth-method <method>', 'PRE_AUTHORIZED or AUTHORIZED').default('PRE_AUTHORIZED'))
        .option('--issuer-state-mode <mode>', 'INCLUDE or OMIT (AUTHORIZED only)')
        .option('--webhook-url <url>', 'per-offer webhook (runtimeOverrides.notifications.webhook.url)')
        .option(
          '--tunnel <provider>',
          "with --claim or --tail: receive the offer's webhooks here through a public https URL, set as its webhook: ngrok (token from NGROK_AUTHTOKEN)",
        )
        .option('--tunnel-domain <domain>', 'with --tunnel ngrok: a domain reserved for your ngrok account')
        .option('--overrides <json|@file>', 'deep-merged into runtimeOverrides')
        .option('--credential-data <json|@file>', 'deep-merged into runtimeOverrides.credentialData')
        .option('--expires-in <duration>', 'offer lifetime, e.g. 5m, or "never"')
        .option('--tx-code [code]', 'require a transaction code (PRE_AUTHORIZED); a value fixes the code')
        .option('--session-id <id>', 'choose the session id yourself')
        .option('--value-mode <mode>', 'BY_REFERENCE (default) or BY_VALUE')
        .option('--tail', 'then follow the new session (takes every tail option)')
        .option('--claim', 'then claim it with the built-in wallet while following the session: a whole smoke test')
        .option('--claim-tx-code <code>', "with --claim: the code the wallet sends (default: the issuer's txCodeValue)")
        .option('--invalid-proof', 'with --claim: send a proof the issuer must refuse')
        .option('--notify <event>', 'with --claim: the notification sent after issuance (OID4VCI §11): accepted (default), deleted, failure or none')
        .option('--insecure', 'with --claim: allow plain http to hosts other than loopback')
        .option('--trust-anchor <pem>', "with --claim: a CA certificate an issuer's x5c may chain to; repeat for several", collect)
        .option('--allow-unverified', 'with --claim: accept a credential whose issuer key cannot be found (never a failed signature or a wrong binding)')
        .option('--junit <file>', 'with --claim: write a JUnit XML report (a testcase per step and for the session outcome); GITHUB_STEP_SUMMARY gets a job summary')
        .option('--dry-run', 'print the request (URL, headers, JSON body) and send nothing')
        .exitOverride(),
    ),
  ).addHelpText(
    'after',
    examples(
      'issuer-events offer create --profile openBadgeCredential',
      'issuer-events offer create --profile identityCredentialSdJwt --webhook-url http://127.0.0.1:8787/hook --expires-in 10m',
      'issuer-events offer create --profile openBadgeCredential --credential-data \'{"credentialSubject":{"name":"Ada"}}\' --json',
      'issuer-events offer create --profile openBadgeCredential --tail --until status:SUCCESSFUL --timeout 5m',
      'issuer-events offer create --profile openBadgeCredential --claim --timeout 30s   # exit 0 only if issuance succeeds',
      'issuer-events offer create --profile openBadgeCredential --claim --junit report.xml --save capture.ndjson   # CI: a report and the events',
      'issuer-events offer create --target acme.main.issuer --token "$TOKEN" --profile identityCredentialSdJwt --claim --tunnel ngrok   # webhooks from a hosted walt.id Enterprise',
    ),
  );
}

export function declareTail(program: Program) {
  return addTailOptions(
    addIssuerOptions(
      program
        .command('tail')
        .description("follow issuance sessions' Server-Sent Events")
        .argument('<session...>', 'session ids, or absolute http(s) URLs of SSE streams')
        .exitOverride(),
    ),
  ).addHelpText(
    'after',
    examples(
      'issuer-events tail 3f1c…',
      'issuer-events tail 3f1c… --until status:SUCCESSFUL --timeout 2m',
      'issuer-events tail a1 b2 c3 --json --save events.ndjson',
      'issuer-events tail https://issuer.example.com/issuer2/sessions/3f1c…/events',
    ),
  );
}

export function declareClaim(program: Program) {
  return addIssuerOptions(
    program
      .command('claim')
      .description('claim a credential offer as an OID4VCI test wallet (pre-authorized code flow)')
      .argument('<offer>', 'openid-credential-offer:// URI, offer URL, offer id, or - (offer create --json on stdin)')
      .option('--tx-code <code>', 'transaction code, when the offer asks for one')
      .option('--credential <configuration-id>', 'claim only this credential configuration; repeat for several', collect)
      .option(
        '--holder-key <jwk-file>',
        'private JWK of the wallet (default: an ephemeral P-256 key); proofs name it as a jwk, or as its did:jwk / did:key where the issuer binds to DIDs only',
      )
      .option('--invalid-proof', 'sign the proof of possession with a wrong key (the issuer must refuse it)')
      .option(
        '--notify <event>',
        "after issuance, tell the issuer's notification endpoint (OID4VCI §11): accepted (default), deleted, failure or none; sent only where the issuer has one",
      )
      .option('--save-credential <file>', 'write the raw credentials, one per line')
      .option('--insecure', 'allow plain http to hosts other than loopback')
      .option('--trust-anchor <pem>', "a CA certificate an issuer's x5c or x5chain may chain to; repeat for several", collect)
      .option('--allow-unverified', 'accept a credential whose issuer key cannot be found (exit 0, said on stderr); never a failed signature or a wrong binding')
      .option('--timeout <duration>', 'give up on the whole claim after this long (exit 124)')
      .option('--request-timeout <duration>', 'bound on each HTTP request, headers and body together (default 30s; exit 1)')
      .exitOverride(),
  ).addHelpText(
    'after',
    examples(
      'issuer-events claim "openid-credential-offer://?credential_offer_uri=…"',
      'issuer-events offer create --profile openBadgeCredential --json | issuer-events claim -',
      'issuer-events claim <offer-id> --base-url http://localhost:7005 --tx-code 123456 --json',
      'issuer-events claim <offer-id> --invalid-proof   # exits 3: the issuer refuses the proof',
      'issuer-events claim <offer-id> --notify deleted   # the issuer sees credential_deleted',
      'issuer-events claim <offer-id> --timeout 1m --trust-anchor ca.pem   # CI: 6 unless verified, 124 if it hangs',
    ),
  );
}

export function declareCheck(program: Program) {
  return addIssuerOptions(
    program
      .command('check')
      .description("is this issuer correct, and do its events arrive? The OpenID conformance suite's OID4VCI 1.0 issuer modules and both event channels")
      .option('--profile <id>', 'check this profile (repeat for several; default: every profile the management API lists)', collect)
      // One comma-separated value: commander's variadic options end in a word and `...` (`<name...>`),
      // which extra-typings reads as any `...`; String (the value as given) tells it a string.
      .option('--only <module,...>', 'run only these modules (docs/check.md lists them)', String)
      .option('--skip <module,...>', 'skip these modules', String)
      .option('--events <channels>', 'event channels to watch: sse,webhook, sse, webhook or none', 'sse,webhook')
      .option('--webhook-url <url>', "the receiver's URL as the issuer reaches it (the receiver listens on its port); default a local port")
      .option('--tunnel <provider>', 'a public https URL for the receiver, set in every offer (a hosted issuer): ngrok (token from NGROK_AUTHTOKEN)')
      .option('--tunnel-domain <domain>', 'with --tunnel ngrok: a domain reserved for your ngrok account')
      .option('--offer-command <cmd>', 'any OID4VCI issuer: a shell command run once per scenario that prints one offer (URI or JSON)')
      .option('--event-timeout <duration>', 'bound on the wait for each expected event', '10s')
      .option('--timeout <duration>', 'give up after this long in total (exit 124, the report so far)')
      .option('--allow-unverified', 'an issuer key that cannot be found is a warning, not a failure (a signature that fails still fails)')
      .option('--insecure', 'allow plain http to hosts other than loopback')
      .option('--concurrency <n>', 'scenarios in flight at once', '4')
      .option('--junit <file>', 'write a JUnit XML report (a testsuite per module); GITHUB_STEP_SUMMARY gets a job summary')
      .option('--sandbox', 'check an embedded sandbox issuer (a first look at the report, no issuer needed)')
      .exitOverride(),
  )
    .addHelpText('after', `\nModules (--only, --skip; what each checks: docs/check.md):\n${MODULES.map((m) => `  ${m.name.padEnd(58)} ${m.spec}`).join('\n')}`)
    .addHelpText(
      'after',
      examples(
        'issuer-events check --sandbox',
        'issuer-events check --base-url https://issuer.example.com --junit check.xml   # the CI gate after a deploy',
        'issuer-events check --profile identityCredentialSdJwt --only oid4vci-1_0-issuer-happy-flow,issuer-events-events --json',
        'issuer-events check --webhook-url http://host.docker.internal:8787/hooks --event-timeout 30s',
        'issuer-events check --target acme.main.issuer --token "$TOKEN" --profile identityCredentialSdJwt --tunnel ngrok   # a hosted walt.id Enterprise reaches the receiver',
        "issuer-events check --offer-command 'node make-offer.mjs' --events none   # any OID4VCI issuer",
      ),
    );
}

export function declareContext(program: Program) {
  return addIssuerOptions(
    program
      .command('context')
      .description('named environments of the configuration file: list, show (with where each setting comes from), use')
      .argument('[action]', 'list (default), show [name] or use <name>')
      .argument('[name]', 'context name')
      .option('--secret <secret>', 'webhook secret (to see how it resolves)', collect)
      .exitOverride(),
  ).addHelpText('after', examples('issuer-events context', 'issuer-events context show staging', 'issuer-events context use staging'));
}

export function declareListen(program: Program) {
  return scheme(
    program
      .command('listen')
      .description('receive webhooks locally: verify signatures, capture, wait for a condition')
      .option('--port <n>', 'port (0 picks a free one)', '8787')
      .option('--host <host>', 'interface to bind', '127.0.0.1')
      .option('--path <path>', 'only this path is a receiver; others get 404 (default: every path)')
      .option('--scheme <scheme>', 'auto|standard|svix|igrant|stripe|github|hmac-sha256|bearer|none', 'auto')
      .option('--secret <secret>', 'signing secret; repeat for rotation (env ISSUER_EVENTS_WEBHOOK_SECRET)', collect)
      .option('--tolerance <duration>', 'allowed timestamp skew, both directions', '5m')
      .option('--allow-unsigned', 'accept requests without a signature (walt.id sends none)')
      .option('--max-body <size>', 'largest accepted body', '1mb')
      .option('--save <file>', 'append every request to this NDJSON capture file')
      .option('--forward-to <url>', 'forward each accepted delivery (exact bytes and headers) to a local app')
      .option('--until <condition>', 'exit 0 once an event of this type, or status:<STATUS>, arrives')
      .option('--events <types>', 'comma-separated event types to print (all are still captured, counted and forwarded)')
      .option('--count <n>', 'exit 0 after this many accepted deliveries')
      .option('--timeout <duration>', 'exit 124 if the condition is not met in time')
      .option('--fail-on-invalid', 'exit 6 at the first delivery whose signature fails')
      .option('--max-connections <n>', 'open connections at most', '1024')
      .option('--fsync', 'each capture write is on disk before the 2xx (slower; see BENCHMARKS.md)')
      .option('--no-redact', 'keep private key material (JWK d, p, q, …) in captures and output')
      .option('--ui', 'also serve the web inspector (prints "Inspector: <url>")')
      .option('--ui-port <n>', 'port of the inspector (0 picks a free one)', '4040')
      .option('--tunnel <provider>', 'a public https URL for the receiver: ngrok (token from NGROK_AUTHTOKEN); smee is refused (it breaks signatures)')
      .option('--tunnel-domain <domain>', 'with --tunnel ngrok: a domain reserved for your ngrok account')
      .exitOverride(),
  ).addHelpText(
    'after',
    examples(
      'issuer-events listen --port 8787 --allow-unsigned',
      'issuer-events listen --tunnel ngrok --scheme igrant --secret "$IGRANT_SECRET"   # a hosted issuer reaches your laptop',
      'issuer-events listen --allow-unsigned --ui   # and open the Inspector URL it prints',
      'issuer-events listen --scheme standard --secret whsec_… --save hooks.ndjson',
      'issuer-events listen --port 0 --secret whsec_… --until openid4vc.issuance.completed --timeout 2m',
      'issuer-events listen --scheme igrant --secret "$IGRANT_SECRET" --forward-to http://localhost:3000/webhooks',
    ),
  );
}

export function declareTrigger(program: Program) {
  return program
    .command('trigger')
    .description('send one synthetic, provider-faithful event to a webhook endpoint, signed as the provider signs (like stripe trigger)')
    .argument('<event-type>', 'a type from the event catalog (`issuer-events help events`)')
    .option('--to <url>', 'the webhook endpoint, e.g. the URL listen prints (required unless --dry-run)')
    .option('--provider <provider>', 'waltid, igrant, didx or crossmint (default: the provider whose catalog has the type)')
    .option('--scheme <scheme>', "sign with this scheme instead of the provider's own (standard, svix, igrant, stripe, github, hmac-sha256), or none")
    .option('--secret <secret>', 'signing secret (env ISSUER_EVENTS_WEBHOOK_SECRET)', collect)
    .option('--set <path=value>', 'change a payload field, e.g. data.status=failed (JSON values parse; repeatable)', collect)
    .option('--session <id>', 'session id the event belongs to (default: a fresh one)')
    .option('--timeout <duration>', 'bound on the request', '10s')
    .option('--dry-run', 'print the request (headers and body) and send nothing')
    .exitOverride()
    .addHelpText(
      'after',
      examples(
        'issuer-events trigger credential_request_w3c_vc_succeeded --to http://127.0.0.1:8787/hook',
        'issuer-events trigger openid4vc.issuance.completed --to http://127.0.0.1:8787/hook --secret whsec_…',
        'issuer-events trigger openid.credential.credential_issued --to http://127.0.0.1:8787/hook --secret "$IGRANT_SECRET" --set data.status=failed',
        'issuer-events trigger credential.creation.succeeded --dry-run --secret whsec_…',
      ),
    );
}

export function declareVerify(program: Program) {
  return scheme(
    program
      .command('verify')
      .description('explain whether one webhook delivery verifies, offline')
      .option('--scheme <scheme>', 'auto|standard|svix|igrant|stripe|github|hmac-sha256|bearer', 'auto')
      .option('--secret <secret>', 'signing secret; repeat to try several', collect)
      .option('--header <name: value>', 'a request header; repeat', collect)
      .option('--body <text|@file|->', 'the raw body: text, @file, or - for stdin')
      .option('--record <file[:line]>', 'take headers and body from a capture record (default: first webhook record)')
      .option('--at <unix|ISO>', 'verify as if now were this time')
      .option('--tolerance <duration>', 'allowed timestamp skew, both directions', '5m')
      .exitOverride(),
  ).addHelpText(
    'after',
    examples(
      "issuer-events verify --scheme standard --secret whsec_… --header 'webhook-id: msg_1' --header 'webhook-timestamp: 1614265330' --header 'webhook-signature: v1,…' --body @body.json --at 1614265330",
      'issuer-events verify --secret whsec_… --record hooks.ndjson:3',
    ),
  );
}

export function declareReplay(program: Program) {
  return program
    .command('replay')
    .description('send captured events again (in order, rate-limited, re-signed), or serve them as SSE')
    .argument('<capture-file...>', 'NDJSON files written by listen --save or tail --save')
    .option('--to <url>', 'POST each record there')
    .option('--scheme <scheme>', 're-sign now with this scheme: standard|svix|igrant|stripe|github|hmac-sha256')
    .option('--secret <secret>', 'secret to re-sign with (env ISSUER_EVENTS_WEBHOOK_SECRET)', collect)
    .option('--new-ids', 'fresh delivery ids when re-signing (default: keep the captured ones)')
    .option('--concurrency <n>', 'deliveries in flight (1 keeps file order)', '1')
    .option('--rate <n/s>', 'at most this many deliveries per second')
    .option('--speed <x>', 'keep the captured gaps, divided by x (e.g. 1, 10)')
    .option('--filter <key=value>', 'type=, session=, provider=, source=, id=, status= (repeatable; value* matches a prefix)', collect)
    .option('--include-rejected', 'also replay records that listen refused (401, 400, …)')
    .option('--retries <n>', 'retries on 5xx, 429 and network errors', '2')
    .option('--timeout <duration>', 'per delivery', '30s')
    .option('--dry-run', 'show what would be sent, send nothing')
    .option('--skip-invalid', 'skip malformed lines (counted) instead of exiting 2')
    .option('--serve-sse', 'serve the captured sessions as walt.id-style SSE streams instead')
    .option('--port <n>', 'port for --serve-sse (0 picks a free one)', '7005')
    .option('--host <host>', 'interface for --serve-sse', '127.0.0.1')
    .exitOverride()
    .addHelpText(
      'after',
      examples(
        'issuer-events replay hooks.ndjson --to http://localhost:3000/webhooks',
        'issuer-events replay hooks.ndjson --to http://localhost:3000/webhooks --scheme standard --secret whsec_…',
        'issuer-events replay hooks.ndjson --to http://localhost:3000/webhooks --filter type=openid4vc.issuance.completed --rate 5/s',
        'issuer-events replay events.ndjson --serve-sse --port 7005 --speed 10',
      ),
    );
}

export function declareInspect(program: Program) {
  return program
    .command('inspect')
    .description('a local web inspector: deliveries and SSE events, verdicts, session timelines, replay (listen --ui and sandbox --ui serve it live)')
    .argument('[capture-file...]', 'NDJSON captures (listen --save, tail --save); followed as they grow')
    .option('--port <n>', 'port (0 picks a free one)', '4040')
    .option('--host <host>', 'interface to bind (the page answers loopback names only)', '127.0.0.1')
    .option('--forward-to <url>', 'where the replay button sends by default (the page can name another)')
    .option('--replay-scheme <scheme>', 're-sign replays with this scheme (default: the scheme that verified each record)')
    .option('--secret <secret>', 're-sign replays with this secret (env ISSUER_EVENTS_WEBHOOK_SECRET); without one, the captured bytes are sent', collect)
    .option('--new-ids', 'fresh delivery ids when re-signing')
    .option('--no-follow', 'read the files once; do not follow what is appended')
    .exitOverride()
    .addHelpText(
      'after',
      examples(
        'issuer-events inspect hooks.ndjson events.ndjson',
        'issuer-events inspect hooks.ndjson --forward-to http://localhost:3000/webhooks --secret whsec_…',
        'issuer-events listen --allow-unsigned --save hooks.ndjson --ui',
        'issuer-events sandbox --ui --auto-claim 1s',
      ),
    );
}

export function declareSandbox(program: Program) {
  return program
    .command('sandbox')
    .description('run an embedded OID4VCI issuer that behaves as walt.id issuer2, offline')
    .option('--port <n>', 'port (0 picks a free one)', '7005')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--token <token>', 'require this Bearer token on the Enterprise routes')
    .option('--public-url <url>', 'base URL put in offers and metadata (e.g. http://192.168.1.20:7005 for a phone wallet)')
    .option('--event-names <generation>', 'walt.id event names: current, interim or legacy', 'current')
    .option(
      '--legacy-well-known',
      'also serve metadata at the appended <issuer>/.well-known/… paths draft-13-era wallets request (like walt.id, the sandbox otherwise answers 404 there: only the path-inserted /.well-known/…/openid4vci form)',
    )
    .option('--notification-endpoint', 'serve the OID4VCI Notification Endpoint (walt.id has none): notification_id in credential responses, each notification a session event')
    .option('--fault <name[,name...]>', 'depart from the spec in these named ways (listed below), for a wallet or check to catch; repeatable', collect)
    .option('--webhook-scheme <scheme>', 'sign webhooks (walt.id does not): standard, svix, igrant, stripe, github, hmac-sha256')
    .option('--webhook-secret <secret>', 'secret for --webhook-scheme')
    .option('--auto-claim <duration>', 'the wallet claims every new offer after this delay')
    .option('--auto-claim-outcome <outcome>', 'success, fail or wrong-tx-code', 'success')
    .option('--ui', 'also serve the web inspector: every event on both channels, session timelines')
    .option('--ui-port <n>', 'port of the inspector (0 picks a free one)', '4040')
    .option('--forward-to <url>', "with --ui: where the inspector's replay button sends by default")
    .option('--tunnel <provider>', 'a public https URL for the sandbox (sets --public-url): ngrok (token from NGROK_AUTHTOKEN)')
    .option('--tunnel-domain <domain>', 'with --tunnel ngrok: a domain reserved for your ngrok account')
    .exitOverride()
    .addHelpText(
      'after',
      `\nFaults (--fault), each one departure from the spec (docs/providers.md: the check that catches each):\n${faultList()}\n${examples(
        'issuer-events sandbox',
        'issuer-events sandbox --tunnel ngrok --ui   # a phone wallet claims the offers through ngrok',
        'issuer-events sandbox --port 0 --auto-claim 500ms --webhook-scheme standard --webhook-secret whsec_…',
        'curl -X POST "http://127.0.0.1:7005/sandbox/sessions/<id>/claim?outcome=fail"',
        'issuer-events sandbox --fault accept-invalid-nonce,no-webhooks',
      )}`,
    );
}

export function declareDemo(program: Program) {
  return program
    .command('demo')
    .description('sandbox + listen + offer create + tail on free local ports: both channels, side by side')
    .option('--profile <profileId>', 'sandbox profile to issue', 'openBadgeCredential')
    .option('--outcome <outcome>', 'what the simulated wallet does: success, fail, wrong-tx-code', 'success')
    .option('--event-names <generation>', 'walt.id event names: current, interim or legacy', 'current')
    .option('--timeout <duration>', 'give up after this long', '30s')
    .exitOverride()
    .addHelpText('after', examples('issuer-events demo', 'issuer-events demo --profile isoMdl --event-names legacy', 'issuer-events demo --json'));
}

export function declareCompletion(program: Program) {
  return program
    .command('completion')
    .description('print the shell completion script: commands, options, event types, schemes, contexts, profiles')
    .argument('<shell>', 'bash, zsh, fish or powershell')
    .exitOverride()
    .addHelpText(
      'after',
      `
Install (then open a new shell):
  bash        mkdir -p ~/.local/share/bash-completion/completions
              issuer-events completion bash > ~/.local/share/bash-completion/completions/issuer-events
              (bash-completion, which the script needs, loads it on the first TAB;
              or: issuer-events completion bash >> ~/.bashrc)
  zsh         mkdir -p ~/.zfunc && issuer-events completion zsh > ~/.zfunc/_issuer-events
              and in ~/.zshrc, before compinit: fpath=(~/.zfunc $fpath)
  fish        issuer-events completion fish > ~/.config/fish/completions/issuer-events.fish
  PowerShell  issuer-events completion powershell >> $PROFILE
${examples('source <(issuer-events completion bash)   # this shell only', 'issuer-events complete -- trigger credential_   # what the script asks on each TAB')}`,
    );
}

// The protocol the completion scripts call on each TAB (@bomb.sh/tab's `complete -- <words>`): not for people.
export function declareComplete(program: Program) {
  return program
    .command('complete', { hidden: true })
    .description('complete a command line: one candidate per line, then :<directive>')
    .argument('[words...]', 'the words after the program name, the one being completed last')
    .exitOverride();
}

/** Every command by the name it is called by; a run declares only the command it names (faster start-up). */
export const DECLARATIONS = {
  offer: declareOfferCreate,
  tail: declareTail,
  claim: declareClaim,
  check: declareCheck,
  context: declareContext,
  listen: declareListen,
  trigger: declareTrigger,
  verify: declareVerify,
  replay: declareReplay,
  inspect: declareInspect,
  sandbox: declareSandbox,
  demo: declareDemo,
  completion: declareCompletion,
  complete: declareComplete,
} satisfies Record<string, (program: Program) => CommandUnknownOpts>;

/** The whole program, every command declared, without actions: what `complete` answers from. */
export function declareAll(version: string, io: CliIo = processIo()): Program {
  const program = declareProgram(version, io);
  for (const declare of Object.values(DECLARATIONS)) declare(program);
  return program;
}
