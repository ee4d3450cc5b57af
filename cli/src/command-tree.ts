/**
 * The registered commands as data, read from sade's command tree. sade 1.x keeps it in `tree`
 * without a public accessor; reading it keeps completions and argument checks in step with the
 * registrations instead of restating every command and flag.
 */
import type { Sade } from 'sade';

export interface CommandInfo {
  /** `test`, `kernel fetch`, ... */
  name: string;
  description: string;
  /** The positional part of the usage: `<shell>`, `[paths...]`. */
  args: string[];
  /** Long names without dashes: `topology`, `cold-boot`. */
  flags: { name: string; description: string }[];
  /** One-letter aliases: `o` for `-o, --output`. */
  shortFlags: string[];
}

interface SadeEntry {
  usage: string;
  describe?: string[];
  options: [string, string, unknown?][];
  alias: Record<string, string[]>;
}

type SadeTree = Record<string, SadeEntry | string>;

const tree = (prog: Sade) => (prog as unknown as { tree: SadeTree }).tree;

function info(name: string, e: SadeEntry): CommandInfo {
  return {
    name,
    description: (e.describe ?? [''])[0]!,
    args: e.usage.split(/\s+/).filter((w) => w.startsWith('<') || w.startsWith('[')),
    flags: e.options.map(([flag, description]) => ({ name: flag.replace(/^-\w, /, '').replace(/^--/, ''), description })),
    shortFlags: Object.keys(e.alias),
  };
}

/** Every command, in registration order (`ktstr --help` order). */
export function commands(prog: Sade): CommandInfo[] {
  return Object.entries(tree(prog))
    .filter((e): e is [string, SadeEntry] => typeof e[1] !== 'string' && !e[0].startsWith('__'))
    .map(([name, e]) => info(name, e));
}

/** Options every command takes (sade's `__all__`), plus its own --help and --version. */
export function globalFlags(prog: Sade): { long: string[]; short: string[] } {
  const all = tree(prog).__all__;
  const g = typeof all === 'object' ? info('', all) : undefined;
  return { long: ['help', 'version', ...(g?.flags.map((f) => f.name) ?? [])], short: ['h', 'v', ...(g?.shortFlags ?? [])] };
}

/** A command alias (sade's `.alias()`) resolved to its command name, or the name as is. */
export function resolveAlias(prog: Sade, name: string): string {
  const e = tree(prog)[name];
  return typeof e === 'string' ? e : name;
}
