/**
 * Shell completion scripts for bash, zsh and fish, generated from the registered commands so
 * they never drift from the CLI. Preset names are baked in (they are data of this version);
 * test names are computed when completing, in the current directory, since they depend on
 * where the user is: from the index of test names that discovery keeps (complete-tests.ts).
 */
import { fileURLToPath } from 'node:url';

export interface CommandSpec {
  /** `test`, `kernel fetch`, ... */
  name: string;
  description: string;
  flags: { name: string; description: string }[];
}

export interface CompletionSpec {
  commands: CommandSpec[];
  presets: string[];
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The command that prints test names: the index reader next to this file, run by the node that
 * runs ktstr, by absolute path, so completion works whether ktstr is on PATH or run with npx.
 */
const COMPLETE_TESTS = fileURLToPath(new URL('./complete-tests.js', import.meta.url));
const TEST_NAMES_CMD = `${q(process.execPath)} ${q(COMPLETE_TESTS)}`;
/** Names of the tests under the current directory (the default paths of `ktstr test`). */
export const TEST_NAMES = `${TEST_NAMES_CMD} 2>/dev/null`;

const top = (spec: CompletionSpec) => [...new Set(spec.commands.map((c) => c.name.split(' ')[0]!))];
const subs = (spec: CompletionSpec, first: string) => spec.commands.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name.split(' ')[1]!);
export function bashCompletion(spec: CompletionSpec): string {
  const flagCases = spec.commands.map((c) => `    ${q(c.name)}) flags=${q(c.flags.map((f) => f.name).join(' '))} ;;`).join('\n');
  const subCases = top(spec).filter((t) => subs(spec, t).length > 0).map((t) => `    ${q(t)}) COMPREPLY=( $(compgen -W ${q([...new Set(subs(spec, t))].join(' '))} -- "$cur") ); return ;;`).join('\n');
  return `# ktstr bash completion: source <(npx ktstr completions bash)  (alias ktstr='npx ktstr' to type ktstr)
_ktstr() {
  local cur prev cmd flags
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${q([...top(spec), '--help', '--version'].join(' '))} -- "$cur") )
    return
  fi
  if [ "$COMP_CWORD" -eq 2 ]; then
    case "\${COMP_WORDS[1]}" in
${subCases}
    esac
  fi
  case "$prev" in
    --topology) COMPREPLY=( $(compgen -W ${q(spec.presets.join(' '))} -- "$cur") ); return ;;
    --filter)
      # The test names of the paths already on the line (\`ktstr test examples --filter\`), else
      # of the default paths: words that name an existing file or directory.
      local IFS=$'\\n' names w paths=()
      for w in "\${COMP_WORDS[@]:2:COMP_CWORD-2}"; do case "$w" in -*) ;; *) [ -e "$w" ] && paths+=("$w") ;; esac; done
      names=$(${TEST_NAMES_CMD} "\${paths[@]}" 2>/dev/null)
      COMPREPLY=( $(compgen -W "$names" -- "$cur") )
      local i; for i in "\${!COMPREPLY[@]}"; do COMPREPLY[$i]=$(printf '%q' "\${COMPREPLY[$i]}"); done
      return ;;
    --arch) COMPREPLY=( $(compgen -W 'x86_64 aarch64' -- "$cur") ); return ;;
  esac
  cmd="\${COMP_WORDS[1]}"
  case "\${COMP_WORDS[1]} \${COMP_WORDS[2]}" in
${spec.commands.filter((c) => c.name.includes(' ')).map((c) => `    ${q(c.name)}) cmd=${q(c.name)} ;;`).join('\n')}
  esac
  case "$cmd" in
${flagCases}
    *) flags='' ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$flags --help" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -F _ktstr ktstr
`;
}

export function zshCompletion(spec: CompletionSpec): string {
  const describe = top(spec).map((t) => {
    const c = spec.commands.find((x) => x.name === t || x.name.startsWith(`${t} `))!;
    return `    ${q(`${t}:${c.description.replace(/:/g, '\\:')}`)}`;
  }).join('\n');
  const flagCases = spec.commands.map((c) => `    ${q(c.name)}) flags=(${c.flags.map((f) => q(`${f.name}[${f.description.replace(/[[\]]/g, '')}]`)).join(' ')}) ;;`).join('\n');
  const subCases = top(spec).filter((t) => subs(spec, t).length > 0).map((t) => `      ${q(t)}) compadd -- ${[...new Set(subs(spec, t))].map(q).join(' ')}; return ;;`).join('\n');
  return `#compdef ktstr
# ktstr zsh completion: source <(npx ktstr completions zsh)  (alias ktstr='npx ktstr' to type ktstr)
_ktstr() {
  local -a commands flags
  commands=(
${describe}
  )
  if (( CURRENT == 2 )); then
    _describe 'ktstr command' commands
    return
  fi
  if (( CURRENT == 3 )); then
    case "$words[2]" in
${subCases}
    esac
  fi
  case "$words[CURRENT-1]" in
    --topology) compadd -- ${spec.presets.map(q).join(' ')}; return ;;
    --filter)
      local -a names paths; local w
      for w in $words[3,CURRENT-1]; do [[ $w != -* && -e $w ]] && paths+=($w); done
      names=("\${(@f)$(${TEST_NAMES_CMD} $paths 2>/dev/null)}"); compadd -Q -- "\${(@q)names}"; return ;;
    --arch) compadd -- x86_64 aarch64; return ;;
  esac
  local cmd="$words[2]"
  case "$words[2] $words[3]" in
${spec.commands.filter((c) => c.name.includes(' ')).map((c) => `    ${q(c.name)}) cmd=${q(c.name)} ;;`).join('\n')}
  esac
  case "$cmd" in
${flagCases}
  esac
  if [[ "$PREFIX" == -* ]]; then
    _values 'flag' "\${flags[@]}"
  else
    _files
  fi
}
compdef _ktstr ktstr
`;
}

export function fishCompletion(spec: CompletionSpec): string {
  const lines = ['# ktstr fish completion: npx ktstr completions fish | source  (alias ktstr="npx ktstr" to type ktstr)', 'complete -c ktstr -f'];
  const tops = top(spec);
  for (const t of tops) {
    const c = spec.commands.find((x) => x.name === t || x.name.startsWith(`${t} `))!;
    lines.push(`complete -c ktstr -n '__fish_use_subcommand' -a ${q(t)} -d ${q(c.description)}`);
    for (const s of new Set(subs(spec, t))) {
      const sc = spec.commands.find((x) => x.name === `${t} ${s}` || x.name.startsWith(`${t} ${s} `))!;
      lines.push(`complete -c ktstr -n '__fish_seen_subcommand_from ${t}; and not __fish_seen_subcommand_from ${[...new Set(subs(spec, t))].join(' ')}' -a ${q(s)} -d ${q(sc.description)}`);
    }
  }
  for (const c of spec.commands) {
    const cond = c.name.includes(' ') ? `__fish_seen_subcommand_from ${c.name.split(' ')[1]}` : `__fish_seen_subcommand_from ${c.name}`;
    for (const f of c.flags) {
      const name = f.name.replace(/^--/, '');
      let values = '';
      if (name === 'topology') values = ` -xa ${q(spec.presets.join(' '))}`;
      else if (name === 'filter') values = ` -xa '(${TEST_NAMES.replace(/'/g, "\\'")})'`;
      else if (name === 'arch') values = " -xa 'x86_64 aarch64'";
      lines.push(`complete -c ktstr -n ${q(cond)} -l ${name} -d ${q(f.description)}${values}`);
    }
  }
  lines.push("complete -c ktstr -n '__fish_seen_subcommand_from test' -F");
  return `${lines.join('\n')}\n`;
}
