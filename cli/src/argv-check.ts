/**
 * Checks a command line against the registered commands before sade runs it, because sade
 * ignores what it does not know: `ktstr test --topolgy 1n1l2c1t` would run the default plan and
 * exit 0. Unknown commands and options, missing and surplus arguments are usage errors (exit 2)
 * with the nearest known word as a suggestion. Everything after `--` passes through unchecked.
 *
 * The words are split the way sade's parser (mri) splits them, so the command and the options
 * found here are the ones sade would act on: `--name value` takes the next word unless it
 * starts with `-` or the option is a switch, `--name=value` and `--no-name` are one word,
 * `-abc` is three short options.
 */
import type { Sade } from 'sade';
import { commands, globalFlags, resolveAlias, type CommandInfo } from './command-tree.js';
import { closest } from '@ktstr/core/suggest';

/**
 * Options that are switches wherever they appear. sade cannot declare an option's type, and its
 * parser gives any option the next word as its value: `ktstr test --list examples` would set
 * list to "examples" and plan the default paths. Named here, they are parsed as switches
 * (bin.ts hands them to sade) and never take the word after them.
 */
export const SWITCHES = ['list', 'json', 'gauntlet', 'cold-boot', 'verbose', 'markdown', 'all', 'average', 'noise-gate', 'raw', 'force'];

/** A mistake in the command line itself; the CLI prints it and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface Words {
  positionals: string[];
  long: string[];
  short: string[];
}

function split(args: readonly string[]): Words {
  const out: Words = { positionals: [], long: [], short: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break; // the rest is for someone else
    if (a === '-' || !a.startsWith('-')) {
      out.positionals.push(a);
      continue;
    }
    const dashes = a.startsWith('--') ? 2 : 1;
    const body = a.slice(dashes);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (dashes === 2) out.long.push(name);
    else out.short.push(...name);
    // mri gives the next word to a flag without `=` when it does not look like a flag itself.
    const negated = dashes === 2 && name.startsWith('no-');
    const isSwitch = dashes === 2 && SWITCHES.includes(name);
    if (eq < 0 && !negated && !isSwitch && i + 1 < args.length && !args[i + 1]!.startsWith('-')) i++;
  }
  return out;
}

/** The command the leading positionals name, as sade resolves it (longest registered prefix). */
function findCommand(prog: Sade, all: CommandInfo[], positionals: readonly string[]): { cmd: CommandInfo; words: number } | undefined {
  let found: { cmd: CommandInfo; words: number } | undefined;
  for (let n = 1; n <= positionals.length; n++) {
    const name = resolveAlias(prog, positionals.slice(0, n).join(' '));
    const cmd = all.find((c) => c.name === name);
    if (cmd) found = { cmd, words: n };
    else if (found) break;
  }
  return found;
}

function unknownCommand(all: CommandInfo[], positionals: readonly string[]): UsageError {
  const [first, second] = positionals;
  const group = all.filter((c) => c.name.startsWith(`${first} `));
  // `ktstr kernel fecth`: the group is right, the subcommand is not.
  const typed = group.length > 0 && second !== undefined ? `${first} ${second}` : first!;
  const names = group.length > 0 ? group.map((c) => c.name) : [...new Set(all.map((c) => c.name.split(' ')[0]!))];
  const guess = closest(typed, names);
  const what = group.length > 0 && second === undefined ? `ktstr ${first} needs a subcommand` : `unknown command ${typed}`;
  return new UsageError(`${what}; ${guess && guess !== typed ? `did you mean ${guess}? ` : ''}`
    + `(${group.length > 0 ? `one of: ${names.join(', ')}` : '`ktstr --help` lists the commands'})`);
}

/** Throws a UsageError naming the first problem of `args` (process.argv without node and script). */
export function checkArgv(prog: Sade, args: readonly string[]): void {
  const all = commands(prog);
  const global = globalFlags(prog);
  const words = split(args);
  const help = words.long.includes('help') || words.short.includes('h');
  if (words.positionals.length === 0) {
    if (help || words.long.includes('version') || words.short.includes('v')) return;
    throw new UsageError('no command given; `ktstr --help` lists the commands (e.g. ktstr test examples)');
  }
  const found = findCommand(prog, all, words.positionals);
  if (!found) throw unknownCommand(all, words.positionals);
  const { cmd } = found;
  const known = [...cmd.flags.map((f) => f.name), ...global.long];
  for (const name of words.long) {
    if (known.includes(name) || (name.startsWith('no-') && known.includes(name.slice(3)))) continue;
    const guess = closest(name, known);
    throw new UsageError(`unknown option --${name} for ktstr ${cmd.name}; ${guess ? `did you mean --${guess}? ` : ''}`
      + `(\`ktstr ${cmd.name} --help\` lists its options; put arguments meant for something else after --)`);
  }
  const negative = args.slice(0, args.includes('--') ? args.indexOf('--') : args.length).find((a) => /^-\d/.test(a));
  if (negative !== undefined) {
    throw new UsageError(`${negative} is read as an option, not a value: a value starting with - must follow its option with =, e.g. --budget=${negative}`);
  }
  for (const c of words.short) {
    if ([...cmd.shortFlags, ...global.short].includes(c)) continue;
    throw new UsageError(`unknown option -${c} for ktstr ${cmd.name}; \`ktstr ${cmd.name} --help\` lists its options`);
  }
  if (help) return; // sade prints the help without looking at the arguments
  const rest = words.positionals.slice(found.words);
  const required = cmd.args.filter((a) => a.startsWith('<'));
  if (rest.length < required.length) {
    throw new UsageError(`ktstr ${cmd.name} needs ${required.slice(rest.length).join(' ')} (\`ktstr ${cmd.name} --help\` shows its usage)`);
  }
  const variadic = cmd.args.some((a) => a.endsWith('...]') || a.endsWith('...>'));
  if (!variadic && rest.length > cmd.args.length) {
    const extra = rest[cmd.args.length]!;
    throw new UsageError(`unexpected argument ${extra} for ktstr ${cmd.name} (it takes ${cmd.args.length ? cmd.args.join(' ') : 'no arguments'}); `
      + 'a value for an option goes right after it, e.g. --topology 1n1l2c1t');
  }
}
