import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, test } from 'node:test';
import { EVENT_CATALOG } from '../../dist/issuer/event-types.js';
import { BUILT_IN_PROFILES } from '../../dist/sandbox/profiles.js';
import { SCHEME_NAMES } from '../../dist/webhooks/index.js';
import { TRIGGER_PROVIDERS } from '../../dist/trigger/templates.js';
import { signingSchemeNames } from '../../dist/webhooks/index.js';
import { AUTH_METHODS, VALUE_MODES } from '../../dist/issuer/offers.js';
import { EVENT_NAME_GENERATIONS } from '../../dist/sandbox/events.js';
import { OUTCOMES } from '../../dist/sandbox/outcomes.js';
import { BIN, cleanEnv } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';

// The shells' scripts call `issuer-events complete -- <words>` by name: a shim on PATH runs this
// checkout's binary. The project directory holds a configuration file, found as every command finds it.
const dir = mkdtempSync(join(tmpdir(), 'issuer-events-completion-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const shimDir = join(dir, 'bin');
mkdirSync(shimDir);
writeFileSync(join(shimDir, 'issuer-events'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
chmodSync(join(shimDir, 'issuer-events'), 0o755);
const project = join(dir, 'project');
mkdirSync(project);
// package.json bounds cosmiconfig's search to this directory.
writeFileSync(join(project, 'package.json'), '{"name":"completion-test"}\n');
writeFileSync(
  join(project, 'issuer-events.config.yaml'),
  'contexts:\n  staging:\n    baseUrl: https://staging.example.com\n  production:\n    baseUrl: https://issuer.example.com\nprofiles:\n  employeeBadge:\n    format: w3c_vc\n',
);
writeFileSync(join(dir, 'other.json'), '{"contexts":{"eu-west":{"baseUrl":"https://eu.example.com"}}}\n');
const env = cleanEnv({ PATH: `${shimDir}${delimiter}${process.env.PATH}`, NO_COLOR: '1' });

const CONTEXTS = ['staging', 'production'];
const catalogTypes = (filter = () => true) => [...new Set(EVENT_CATALOG.filter(filter).map((e) => e.type))];
const typesStartingWith = (prefix) => catalogTypes((e) => e.type.startsWith(prefix));

/** `complete -- <words>` as the scripts call it: candidates (values only) and the directive line. */
async function complete(...words) {
  const r = await runInProcess(['complete', '--', ...words], { cwd: project });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.at(-1), ':4', 'the last line is the directive (no file completion)');
  return lines.slice(0, -1).map((line) => line.split('\t')[0]);
}

test('protocol: commands, subcommands and flags from what commander registered', async () => {
  const top = await complete('');
  for (const name of ['offer', 'tail', 'claim', 'context', 'listen', 'trigger', 'verify', 'replay', 'inspect', 'sandbox', 'demo', 'completion', 'help']) {
    assert.ok(top.includes(name), `${name} in ${top}`);
  }
  assert.ok(!top.includes('complete'), 'the protocol command is hidden');
  assert.deepEqual(await complete('offer', ''), ['create', 'help']);
  assert.deepEqual(await complete('tr'), ['trigger']);
  // The command's own options and the program's (commander parses both after the command).
  assert.deepEqual(await complete('trigger', '--s'), ['--scheme', '--secret', '--set', '--session']);
  assert.deepEqual(await complete('tail', '--con'), ['--connect-timeout', '--config', '--context']);
  assert.deepEqual(await complete('offer', 'create', '--auth'), ['--auth-method']);
  assert.deepEqual(await complete('-q'), ['-q']);
});

test('protocol: event types come from the catalog', async () => {
  assert.deepEqual(await complete('trigger', 'credential_request_w3'), typesStartingWith('credential_request_w3'));
  assert.deepEqual(await complete('trigger', 'credential_request_w3c_vc_s'), ['credential_request_w3c_vc_succeeded']);
  assert.deepEqual(await complete('trigger', ''), catalogTypes());
  // `--provider` earlier on the line narrows the types to that provider's.
  assert.deepEqual(
    await complete('trigger', '--provider', 'crossmint', ''),
    catalogTypes((e) => e.provider === 'crossmint'),
  );
  assert.deepEqual(await complete('tail', 'abc', '--until', 'jwt_iss'), typesStartingWith('jwt_iss'));
  // `--events` is a comma-separated list: the types are offered after the ones already typed.
  assert.deepEqual(await complete('listen', '--events', 'jwt_issue,credential_request_w3c_vc_s'), ['jwt_issue,credential_request_w3c_vc_succeeded']);
});

test('protocol: schemes as each command accepts them', async () => {
  assert.deepEqual(await complete('trigger', '--scheme', 's'), ['standard', 'svix', 'stripe']);
  assert.deepEqual(await complete('trigger', '--scheme=s'), ['standard', 'svix', 'stripe']);
  assert.deepEqual(await complete('listen', '--scheme', ''), [...SCHEME_NAMES]);
  assert.deepEqual(await complete('verify', '--scheme', 'a'), ['auto']);
  assert.deepEqual(await complete('replay', 'hooks.ndjson', '--scheme', ''), signingSchemeNames());
  assert.deepEqual(await complete('trigger', 'jwt_issue', '--scheme', ''), [...signingSchemeNames(), 'none']);
  assert.deepEqual(await complete('sandbox', '--webhook-scheme', ''), signingSchemeNames());
  assert.deepEqual(await complete('inspect', '--replay-scheme', 'st'), ['standard', 'stripe']);
});

test('protocol: context names from the configuration file the commands would read', async () => {
  assert.deepEqual(await complete('--context', ''), CONTEXTS);
  assert.deepEqual(await complete('tail', 'abc', '--context', 'st'), ['staging']);
  assert.deepEqual(await complete('context', ''), ['list', 'show', 'use']);
  assert.deepEqual(await complete('context', 'use', ''), CONTEXTS);
  assert.deepEqual(await complete('context', 'show', 'p'), ['production']);
  assert.deepEqual(await complete('context', 'list', ''), [], 'list takes no name');
  // `--config` on the line is the file the command would read.
  assert.deepEqual(await complete('--config', join(dir, 'other.json'), 'context', 'use', ''), ['eu-west']);
  assert.deepEqual(await complete('--config', join(dir, 'missing.yaml'), '--context', ''), [], 'an unreadable file completes nothing, and says nothing');
});

test('protocol: sandbox profiles, enumerations, providers, help topics, shells', async () => {
  const builtIn = BUILT_IN_PROFILES.map((p) => p.id);
  assert.deepEqual(await complete('offer', 'create', '--profile', ''), [...builtIn, 'employeeBadge'], "with the configuration file's profiles");
  assert.deepEqual(await complete('demo', '--profile', ''), builtIn, 'demo issues the built-in ones only');
  assert.deepEqual(await complete('offer', 'create', '--auth-method', ''), [...AUTH_METHODS]);
  assert.deepEqual(await complete('offer', 'create', '--value-mode', ''), [...VALUE_MODES]);
  assert.deepEqual(await complete('sandbox', '--event-names', ''), [...EVENT_NAME_GENERATIONS]);
  assert.deepEqual(await complete('demo', '--outcome', ''), [...OUTCOMES]);
  assert.deepEqual(await complete('sandbox', '--auto-claim-outcome', 'w'), ['wrong-tx-code']);
  assert.deepEqual(await complete('claim', 'x', '--notify', ''), ['accepted', 'deleted', 'failure', 'none']);
  assert.deepEqual(await complete('offer', 'create', '--claim', '--notify', 'd'), ['deleted']);
  assert.deepEqual(await complete('sandbox', '--fault', 'accept-invalid-'), ['accept-invalid-tx-code', 'accept-invalid-nonce', 'accept-invalid-jwt-proof-signature']);
  assert.deepEqual(await complete('sandbox', '--fault', 'no-webhooks,no-s'), ['no-webhooks,no-sse-events'], 'a comma-separated list');
  assert.deepEqual(await complete('trigger', '--provider', ''), TRIGGER_PROVIDERS);
  const help = await complete('help', '');
  assert.deepEqual(help.slice(0, 3), ['exit-codes', 'environment', 'events']);
  assert.ok(help.includes('trigger') && help.includes('completion'), `${help}`);
  assert.deepEqual(await complete('completion', ''), ['bash', 'zsh', 'fish', 'powershell']);
  // An option whose value the tool cannot know completes nothing (no flag names in its place).
  assert.deepEqual(await complete('listen', '--port', ''), []);
});

test('completion <shell>: the script on stdout; an unknown shell is a usage error naming the shells', async () => {
  const bash = await runInProcess(['completion', 'bash']);
  assert.equal(bash.code, 0, bash.stderr);
  assert.match(bash.stdout, /^complete -F \S+ issuer-events$/m);
  assert.match(bash.stdout, /issuer-events complete -- /);
  const json = await runInProcess(['--json', 'completion', 'fish']);
  assert.equal(json.code, 0, json.stderr);
  const record = JSON.parse(json.stdout);
  assert.equal(record.kind, 'completion');
  assert.equal(record.shell, 'fish');
  assert.match(record.script, /complete -c issuer-events/);

  const unknown = await runInProcess(['completion', 'tcsh']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stdout, '');
  assert.equal(unknown.stderr, 'error: unknown shell "tcsh": use bash, zsh, fish or powershell\n');
  const missing = await runInProcess(['completion']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, "error: missing required argument 'shell'\n");
});

test('completion --help says how to install it in each shell', async () => {
  const r = await runInProcess(['completion', '--help'], { env: { NO_COLOR: '1' } });
  assert.equal(r.code, 0, r.stderr);
  for (const shell of ['bash', 'zsh', 'fish', 'powershell']) assert.match(r.stdout, new RegExp(`issuer-events completion ${shell} >`));
});

test('powershell: the script registers a native completer that calls the protocol', async () => {
  // PowerShell is not a Debian package: its script is checked, not run.
  const r = await runInProcess(['completion', 'powershell']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Register-ArgumentCompleter -CommandName 'issuer-events'/);
  assert.match(r.stdout, /& issuer-events complete '--'/);
});

// --- real shells -------------------------------------------------------------------------------

/** True when the shell can run here; otherwise skipped with a message, or failed when CI=true. */
function hasShell(t, shell, debianPackage, extraFile) {
  let found = true;
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`], { stdio: 'ignore' });
  } catch {
    found = false;
  }
  if (found && (!extraFile || existsSync(extraFile))) return true;
  const message = `${shell} completion not tested: install Debian's ${debianPackage}`;
  if (process.env.CI === 'true') assert.fail(message);
  t.skip(message);
  return false;
}

/** Runs a shell in the test project with the shim on PATH; resolves with stdout (stderr kept for messages). */
function runShell(file, args, { timeoutMs = 90_000, extraEnv = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: project, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function script(shell) {
  const r = await runInProcess(['completion', shell]);
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, `issuer-events.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

const BASH_COMPLETION = '/usr/share/bash-completion/bash_completion';

// What readline does on TAB: the words of the line, the cursor at its end, then the function
// `complete -p` names; COMPREPLY is what bash would offer.
const BASH_TAB = `
source ${BASH_COMPLETION}
[[ -n $SCRIPT ]] && source "$SCRIPT" || __load_completion issuer-events
spec=$(complete -p issuer-events) || exit 3
fn=$(sed -E 's/.* -F ([^ ]+) .*/\\1/' <<< "$spec")
COMP_LINE=$LINE; COMP_POINT=\${#COMP_LINE}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
"$fn" issuer-events "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"
`;

async function bashTab(line, extraEnv) {
  // compopt complains outside a real TAB (stderr); the candidates are what matters.
  const r = await runShell('bash', ['--norc', '--noprofile', '-c', BASH_TAB], { extraEnv: { LINE: line, ...extraEnv } });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

test('bash: the sourced script completes commands, event types, schemes and contexts', async (t) => {
  if (!hasShell(t, 'bash', 'bash and bash-completion', BASH_COMPLETION)) return;
  const SCRIPT = await script('bash');
  const tab = (line) => bashTab(line, { SCRIPT });
  assert.deepEqual(await tab('issuer-events tr'), ['trigger']);
  assert.deepEqual(await tab('issuer-events offer '), ['create', 'help']);
  assert.deepEqual(await tab('issuer-events trigger credential_request_w3'), typesStartingWith('credential_request_w3'));
  assert.deepEqual(await tab('issuer-events trigger --scheme s'), ['standard', 'svix', 'stripe']);
  assert.deepEqual(await tab('issuer-events --context '), CONTEXTS);
  assert.deepEqual(await tab('issuer-events context use pr'), ['production']);
});

test('bash: installed in bash-completion’s directory, it is loaded on the first TAB', async (t) => {
  if (!hasShell(t, 'bash', 'bash and bash-completion', BASH_COMPLETION)) return;
  const data = join(dir, 'xdg-data');
  mkdirSync(join(data, 'bash-completion', 'completions'), { recursive: true });
  writeFileSync(join(data, 'bash-completion', 'completions', 'issuer-events'), readFileSync(await script('bash')));
  assert.deepEqual(await bashTab('issuer-events trigger credential_request_w3c_vc_s', { XDG_DATA_HOME: data }), ['credential_request_w3c_vc_succeeded']);
});

test('fish: complete -C with the sourced script', async (t) => {
  if (!hasShell(t, 'fish', 'fish')) return;
  const file = await script('fish');
  const tab = async (line) => {
    const r = await runShell('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', file, line]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]);
  };
  assert.deepEqual(await tab('issuer-events tr'), ['trigger']);
  assert.deepEqual(await tab('issuer-events trigger credential_request_w3'), typesStartingWith('credential_request_w3').sort());
  assert.deepEqual(await tab('issuer-events listen --scheme s'), ['standard', 'stripe', 'svix']);
  assert.deepEqual(await tab('issuer-events listen --scheme=s'), ['--scheme=standard', '--scheme=stripe', '--scheme=svix']);
  assert.deepEqual(await tab('issuer-events tail abc --context '), [...CONTEXTS].sort());
});

// zsh completes only inside its line editor: a zsh in a pseudo-terminal (zpty) gets the keys, with
// the script installed in $fpath as `completion --help` says. compadd is wrapped to record what
// zsh matched; ^T reports the edited line once completion is over (keys are handled in order).
const ZSH_SETUP = `
fpath=($ZFUNC $fpath)
autoload -Uz compinit && compinit -u -D
compadd() {
  local -a matched
  builtin compadd -O matched "$@"
  (( $#matched )) && print -rl -- "\${matched[@]}" >> $OUT
  builtin compadd "$@"
}
report-line() { print -r -- "LINE:$BUFFER" >> $OUT; print -r -- DONE >> $OUT }
zle -N report-line
bindkey '^T' report-line
PROMPT='> '
print READY
`;
const ZSH_DRIVE = `
zmodload zsh/zpty
zpty shell 'zsh -f -i'
zpty -w shell "source \${(q)SETUP}"
zpty -r shell line '*READY*'
zpty -w -n shell "$LINE"$'\\t\\x14'
repeat 900 { [[ -f $OUT ]] && grep -qx DONE $OUT && break; sleep 0.1 }
zpty -d shell
cat $OUT
`;

test('zsh: installed in $fpath, TAB in a real line editor completes from the protocol', async (t) => {
  if (!hasShell(t, 'zsh', 'zsh')) return;
  const zfunc = join(dir, 'zfunc');
  mkdirSync(zfunc, { recursive: true });
  writeFileSync(join(zfunc, '_issuer-events'), readFileSync(await script('zsh')));
  const setup = join(dir, 'setup.zsh');
  writeFileSync(setup, ZSH_SETUP);
  let n = 0;
  const tab = async (line) => {
    const out = join(dir, `zsh-out-${n++}`);
    const r = await runShell('zsh', ['-f', '-c', ZSH_DRIVE], { extraEnv: { ZFUNC: zfunc, SETUP: setup, OUT: out, LINE: line } });
    assert.match(r.stdout, /^DONE$/m, `zsh did not finish: ${r.stdout}${r.stderr}`);
    const lines = r.stdout.split('\n').filter(Boolean);
    const edited = lines.find((l) => l.startsWith('LINE:'))?.slice(5);
    return { matches: [...new Set(lines.filter((l) => !l.startsWith('LINE:') && l !== 'DONE'))].sort(), edited };
  };
  // Three shells at once: each waits mostly on its pseudo-terminal, and each has its own output file.
  const [unique, schemes, contexts] = await Promise.all([
    tab('issuer-events trigger credential_request_w3c_vc_s'),
    tab('issuer-events trigger --scheme s'),
    tab('issuer-events context use '),
  ]);
  assert.equal(unique.edited, 'issuer-events trigger credential_request_w3c_vc_succeeded ', 'the only match is inserted');
  assert.deepEqual(schemes.matches, ['standard', 'stripe', 'svix']);
  assert.equal(schemes.edited, 'issuer-events trigger --scheme s', 'ambiguous: the line keeps the common prefix');
  assert.deepEqual(contexts.matches, [...CONTEXTS].sort());
});
