/**
 * What real bash and zsh offer for a command line, with registryctl's completion files installed:
 * - bash: Debian's bash-completion loaded, then `_registryctl` called as readline calls it (the
 *   line split into COMP_WORDS at blanks and at COMP_WORDBREAKS such as `:` and `=`);
 * - zsh: an interactive `zsh -f` on a pseudo-terminal (zsh/zpty) with compinit, the line typed and
 *   TAB pressed; every match the completion system adds is reported.
 * Both run in `cwd`, so file-name completion sees the files a test puts there.
 */
import {spawnSync} from 'node:child_process'

const BASH_COMPLETION = '/usr/share/bash-completion/bash_completion'

/** readline's words: blanks separate them, and each run of `:` or `=` is a word of its own. */
export function readlineWords(line: string): string[] {
  const tokens = line.split(/\s+/)
  const words = tokens.flatMap((token, index) => {
    const parts = token.split(/([:=]+)/)
    return index === tokens.length - 1
      ? parts.filter((part, i) => part !== '' || i === parts.length - 1)
      : parts.filter(Boolean)
  })
  return words
}

const BASH = `
[[ $REGISTRYCTL_TEST_BASH_COMPLETION == yes ]] && source ${BASH_COMPLETION}
source "$1"
COMP_LINE=$2
COMP_POINT=\${#COMP_LINE}
shift 2
COMP_WORDS=("$@")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
COMP_TYPE=9
_registryctl registryctl "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"
`

/**
 * The words bash offers for `line` (completing its end) with `script` as registryctl's completion;
 * `bashCompletion: false` for a bash without the bash-completion package loaded.
 */
export function bashOffers(script: string, line: string, cwd: string, {bashCompletion = true} = {}): string[] {
  const result = spawnSync(
    'bash',
    ['--norc', '--noprofile', '-c', BASH, 'bash', script, line, ...readlineWords(line)],
    {
      cwd,
      encoding: 'utf8',
      timeout: 20_000,
      env: {...process.env, REGISTRYCTL_TEST_BASH_COMPLETION: bashCompletion ? 'yes' : 'no'},
    },
  )
  if (result.status !== 0) throw new Error(`bash failed (${result.status}): ${result.stderr}`)
  return result.stdout.split('\n').filter(Boolean).sort()
}

// The markers are typed split in two, so the terminal's echo of the typed definitions never matches.
const ZSH = `
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT= RPROMPT=; fpath=(\${(q)1} \\$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false; bindkey '^I' complete-word"
zpty -w z 'compadd() { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return; fi; local -a hits; builtin compadd -A hits "$@"; local hit; for hit in $hits; do print -r -- "<<""hit>>$hit"; done; builtin compadd "$@"; }'
zpty -w z 'finish() { print -r -- "<<""end>>"; exit }; comppostfuncs=(finish)'
zpty -w z "$2"$'\\t'
local out chunk
while zpty -r z chunk; do
  out+=$chunk
  [[ $out == *'<<end>>'* ]] && break
done
print -r -- "$out"
`

/** The words zsh offers for `line<TAB>` with `fpath` holding registryctl's `_registryctl`. */
export function zshOffers(fpath: string, line: string, cwd: string): string[] {
  const result = spawnSync('zsh', ['-f', '-c', ZSH, 'zsh', fpath, line], {cwd, encoding: 'utf8', timeout: 20_000})
  if (result.status !== 0 || !result.stdout.includes('<<end>>'))
    throw new Error(`zsh failed (${result.status}): ${result.stdout}${result.stderr}`)
  return [...new Set([...result.stdout.matchAll(/<<hit>>([^\r\n]*)/g)].map((match) => match[1] ?? ''))].sort()
}
