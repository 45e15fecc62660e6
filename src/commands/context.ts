import type { CommandContext } from '../cli/command-context.js';
import type { declareContext, OptionsOf } from '../cli/program.js';
import { isContextAction, listContexts, showContext, useContext } from '../config/contexts.js';
import { UsageError } from '../errors.js';
import { escapeLine } from '../shared/escape.js';
import { alignColumns } from '../output/width.js';

type ContextOptions = OptionsOf<typeof declareContext>;

/** `context list|show [name]|use <name>`: the named environments of the configuration file. */
export async function run(ctx: CommandContext<ContextOptions>, action: string | undefined, name: string | undefined): Promise<number> {
  const { output, options } = ctx;
  const loaded = await ctx.config();
  const selected = options.context ?? (ctx.env.ISSUER_EVENTS_CONTEXT || undefined) ?? loaded.config.context;
  const chosen = action ?? 'list';
  if (!isContextAction(chosen)) throw new UsageError(`unknown context action "${action}": use list, show [name] or use <name>`);
  // Exhaustive over CONTEXT_ACTIONS (which completion offers): a new action without a case does not compile.
  switch (chosen) {
    case 'list': {
      const contexts = listContexts(loaded, selected);
      if (output.json) for (const c of contexts) output.record({ kind: 'context', ...c });
      else if (contexts.length === 0) output.info(loaded.file ? `no contexts in ${loaded.file}` : 'no configuration file found (see issuer-events context --help)');
      else {
        const c = output.color;
        const rows = contexts.map((ctx) => [
          ctx.selected ? `${c.green('*')} ${c.bold(escapeLine(ctx.name))}` : `  ${escapeLine(ctx.name)}`,
          ...(ctx.baseUrl ? [escapeLine(ctx.baseUrl)] : []),
        ]);
        for (const line of alignColumns(rows)) output.data(line);
      }
      return 0;
    }
    case 'show': {
      const shown = showContext(
        loaded,
        {
          baseUrl: options.baseUrl,
          target: options.target,
          token: options.token,
          webhookSecret: options.secret,
          context: name ?? options.context,
        },
        ctx.env,
      );
      if (output.json) output.record({ kind: 'context', ...shown });
      else {
        const dim = output.color.dim;
        const rows = [
          ['context', escapeLine(shown.context ?? '(none)'), ...(shown.file ? [dim(`from ${escapeLine(shown.file)}`)] : [])],
          ...shown.settings.map((s) => [s.name, escapeLine(s.value ?? '-'), dim(escapeLine(s.source))]),
        ];
        for (const line of alignColumns(rows)) output.data(line);
      }
      return 0;
    }
    case 'use': {
      if (!name) throw new UsageError('missing context name: issuer-events context use <name>');
      const file = useContext(loaded, name);
      output.info(`context ${name} selected in ${file}`);
      return 0;
    }
  }
}
