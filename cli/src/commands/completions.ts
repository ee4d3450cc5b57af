/** `ktstr completions bash|zsh|fish`: prints a completion script for the shell. */
import type { Sade } from 'sade';
import { presetNames } from '@ktstr/presets';
import { KtstrError } from '@ktstr/core';
import { action } from '../output.js';
import { bashCompletion, fishCompletion, zshCompletion, type CommandSpec } from '../completions.js';

/**
 * The registered commands and their flags, read from sade's command tree. sade 1.x keeps it in
 * `tree` without a public accessor; reading it keeps the completions in step with the CLI
 * instead of restating every flag here.
 */
function commandSpecs(prog: Sade): CommandSpec[] {
  const tree = (prog as unknown as { tree: Record<string, { describe?: string[]; options: [string, string][] } | string> }).tree;
  return Object.entries(tree)
    .filter((e): e is [string, { describe?: string[]; options: [string, string][] }] => typeof e[1] !== 'string' && !e[0].startsWith('__'))
    .map(([name, c]) => ({
      name,
      description: (c.describe ?? [''])[0]!,
      flags: c.options.map(([flag, description]) => ({ name: flag.replace(/^-\w, /, ''), description })),
    }));
}

export function registerCompletionsCommand(prog: Sade): void {
  prog
    .command('completions <shell>')
    .describe('Print a completion script: bash, zsh or fish (e.g. source <(ktstr completions bash)).')
    .action(action((shell: string) => {
      const spec = { commands: commandSpecs(prog), presets: [...new Set([...presetNames('x86_64'), ...presetNames('aarch64')])] };
      if (shell === 'bash') process.stdout.write(bashCompletion(spec));
      else if (shell === 'zsh') process.stdout.write(zshCompletion(spec));
      else if (shell === 'fish') process.stdout.write(fishCompletion(spec));
      else throw new KtstrError('shell', shell, 'is not supported', 'Use bash, zsh or fish.');
    }));
}
