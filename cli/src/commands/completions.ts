/** `ktstr completions bash|zsh|fish`: prints a completion script for the shell. */
import type { Sade } from 'sade';
import { presetNames } from '@ktstr/presets';
import { KtstrError } from '@ktstr/core';
import { action } from '../output.js';
import { commands } from '../command-tree.js';
import { bashCompletion, fishCompletion, zshCompletion, type CommandSpec } from '../completions.js';

/** The registered commands and their flags, so the completions never drift from the CLI. */
function commandSpecs(prog: Sade): CommandSpec[] {
  return commands(prog).map((c) => ({ name: c.name, description: c.description, flags: c.flags.map((f) => ({ name: `--${f.name}`, description: f.description })) }));
}

export function registerCompletionsCommand(prog: Sade): void {
  prog
    .command('completions <shell>')
    .describe('Print a completion script: bash, zsh or fish (e.g. source <(npx ktstr completions bash)).')
    .action(action((shell: string) => {
      const spec = { commands: commandSpecs(prog), presets: [...new Set([...presetNames('x86_64'), ...presetNames('aarch64')])] };
      if (shell === 'bash') process.stdout.write(bashCompletion(spec));
      else if (shell === 'zsh') process.stdout.write(zshCompletion(spec));
      else if (shell === 'fish') process.stdout.write(fishCompletion(spec));
      else throw new KtstrError('shell', shell, 'is not supported', 'Use bash, zsh or fish.');
    }));
}
