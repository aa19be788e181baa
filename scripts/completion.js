/**
 * bash and zsh completion for registryctl, generated from oclif's manifest (oclif.manifest.json), so
 * every command, topic and flag the CLI has is completed and nothing it lacks is offered. The .deb
 * installs both (scripts/package.js); test/completion.test.ts drives them in real bash and zsh.
 *
 * What is completed:
 *  - the command, and after a topic its subcommands (`gc status`); `help` and the commands after it;
 *  - after the command, anywhere among its arguments: its visible flags, their aliases and, for
 *    flags that allow it, the `--no-` form; before the command, the flags every command has (argv.ts
 *    moves them after the command, as docker-registryctl took them);
 *  - a flag's value: its choices when it has some (`--sort`), otherwise file names, as oclif's own
 *    completion does (most value flags are files: --ca-file, --plan, --journal, --state …);
 *  - arguments: file names (a smoke suite, a cleanup policy).
 * The command is the first word that is neither a flag nor a flag's value, with the word after it
 * for a topic: words after it (references such as `registry/app:2021-*`) are arguments.
 */
import {sortedCommands, visibleFlags} from './manifest.js'

const BIN = 'registryctl'

/** `--name`, its aliases and, if it allows one, its `--no-` form. */
const longForms = (flag) => [
  `--${flag.name}`,
  ...(flag.aliases ?? []).map((alias) => `--${alias}`),
  ...(flag.allowNo ? [`--no-${flag.name}`] : []),
]
/** Every spelling of a flag that takes a value (`--ca-file`, `-u`): the next word is its value. */
const valueSpellings = (flag) =>
  flag.type === 'option'
    ? [
        `--${flag.name}`,
        ...(flag.aliases ?? []).map((alias) => `--${alias}`),
        ...[flag.char, ...(flag.charAliases ?? [])].filter(Boolean).map((char) => `-${char}`),
      ]
    : []

/** The flags every command has: the only ones that may come before the command. */
function commonFlags(commands) {
  const [first, ...rest] = commands
  return visibleFlags(first).filter((flag) => rest.every((command) => command.flags[flag.name]))
}

/** The commands' first words (topics once), with `help`. */
function topLevel(commands) {
  return [...new Set(commands.map((command) => command.id.split(':')[0])), 'help'].sort()
}

const topics = (commands) =>
  [...new Set(commands.filter((c) => c.id.includes(':')).map((c) => c.id.split(':')[0]))].sort()

const bashWord = (text) => `'${text.replaceAll("'", "'\\''")}'`

/** bash: one function; bash-completion's _init_completion when installed (keeps `a:b` one word). */
export function bashCompletion(manifest) {
  const commands = sortedCommands(manifest)
  const common = commonFlags(commands)
  const allValueSpellings = [...new Set(commands.flatMap((command) => visibleFlags(command).flatMap(valueSpellings)))]
  const subcommands = topics(commands)
    .map(
      (topic) =>
        `    ${topic}|'help ${topic}') words_offered=${bashWord(
          commands
            .filter((c) => c.id.startsWith(`${topic}:`))
            .map((c) => c.id.slice(topic.length + 1))
            .join(' '),
        )} ;;`,
    )
    .join('\n')
  const flagCase = (command) => {
    const flags = visibleFlags(command)
    const choices = flags
      .filter((flag) => flag.options)
      .map((flag) => `        ${valueSpellings(flag).join('|')}) choices=${bashWord(flag.options.join(' '))} ;;`)
    return [
      `      flags=${bashWord(flags.flatMap(longForms).join(' '))}`,
      `      valued=${bashWord(flags.flatMap(valueSpellings).join(' '))}`,
      ...(choices.length > 0 ? ['      case "$prev" in', ...choices, '      esac'] : []),
    ].join('\n')
  }

  const cases = commands.map((command) => `    ${bashWord(command.id.replace(':', ' '))})\n${flagCase(command)} ;;`)
  return `# bash completion for ${BIN}, generated from its commands (scripts/completion.js)
_${BIN}() {
  local cur prev words cword split=false
  if declare -F _init_completion >/dev/null; then
    # -s: \`--sort=na\` is prev=--sort, cur=na; -n :=: \`registry/app:tag\` stays one word.
    _init_completion -s -n := || return
  else
    cur=\${COMP_WORDS[COMP_CWORD]}
    prev=\${COMP_WORDS[COMP_CWORD-1]}
    words=("\${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi

  # The command: the first word that is no flag and no flag's value, with the next word for a topic.
  local command="" i word
  for ((i = 1; i < cword; i++)); do
    word=\${words[i]}
    case "$word" in
      --*=*) ;;
      -*) [[ " "${bashWord(allValueSpellings.join(' '))}" " == *" $word "* ]] && ((i++)) ;;
      *)
        if [[ -z $command ]]; then command=$word
        # help and topics take the next word (\`help gc status\`); a command takes arguments.
        elif [[ " "${bashWord(['help', ...topics(commands)].join(' '))}" " == *" \${command#help } "* ]]; then command="$command $word"
        else break
        fi ;;
    esac
  done

  local words_offered="" flags=${bashWord(common.flatMap(longForms).join(' '))} valued=${bashWord(
    common.flatMap(valueSpellings).join(' '),
  )} choices=""
  case "$command" in
    "") words_offered=${bashWord(topLevel(commands).join(' '))} ;;
    help) words_offered=${bashWord(
      topLevel(commands)
        .filter((w) => w !== 'help')
        .join(' '),
    )} ;;
${subcommands}
${cases.join('\n')}
    *) flags="" valued="" ;;
  esac

  if [[ " $valued " == *" $prev "* && ( $split == true || $cur != -* ) ]]; then
    if [[ -n $choices ]]; then
      COMPREPLY=($(compgen -W "$choices" -- "$cur"))
    else
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur"))
    fi
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [[ -n $words_offered ]]; then
    COMPREPLY=($(compgen -W "$words_offered" -- "$cur"))
  elif [[ -n $command && $command != help* ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _${BIN} ${BIN}
`
}

/** Text inside a zsh completion spec: quoted for '…', brackets and colons kept out of the syntax. */
const zshText = (text) =>
  String(text ?? '')
    .split('\n')[0]
    .replaceAll('\\', '\\\\')
    .replaceAll('[', '(')
    .replaceAll(']', ')')
    .replaceAll("'", "'\\''")

function zshFlagSpecs(flag) {
  const text = zshText(flag.summary ?? flag.description)
  const repeat = flag.multiple ? '*' : ''
  const value =
    flag.type !== 'option'
      ? ''
      : flag.options
        ? `:${flag.name}:(${flag.options.join(' ')})`
        : `:${flag.helpValue ?? flag.name}:_files`
  const names = [flag.name, ...(flag.aliases ?? [])].map((name) => `--${name}${flag.type === 'option' ? '=' : ''}`)
  const chars = [flag.char, ...(flag.charAliases ?? [])].filter(Boolean).map((char) => `-${char}`)
  return [
    ...[...names, ...chars].map((name) => `'${repeat}${name}[${text}]${value}'`),
    ...(flag.allowNo ? [`'--no-${flag.name}[${text} (off)]'`] : []),
  ]
}

/** zsh: `_arguments` for each command, on the words from the command on. */
export function zshCompletion(manifest) {
  const commands = sortedCommands(manifest)
  const describe = (pairs) => pairs.map(([word, text]) => `    '${word}:${zshText(text)}'`).join('\n')
  const firstWords = topLevel(commands).map((word) => {
    const command = commands.find((c) => c.id === word)
    return [word, command?.summary ?? (word === 'help' ? 'Show the help of a command' : `${word} commands`)]
  })
  const describeSubcommands = (topic, indent) =>
    `${indent}local -a subcommands=(\n${describe(
      commands.filter((c) => c.id.startsWith(`${topic}:`)).map((c) => [c.id.slice(topic.length + 1), c.summary]),
    )}\n${indent})\n${indent}_describe -t commands '${topic} command' subcommands`
  const topicCases = topics(commands)
    .map((topic) => `    ${topic})\n${describeSubcommands(topic, '      ')} ;;`)
    .join('\n')
  const helpTopicCases = topics(commands)
    .map((topic) => `        ${topic})\n${describeSubcommands(topic, '          ')} ;;`)
    .join('\n')
  const cases = commands
    .map(
      (command) =>
        `    ${command.id.includes(':') ? `'${command.id.replace(':', ' ')}'` : command.id})\n      _arguments -S \\\n        ${visibleFlags(command).flatMap(zshFlagSpecs).join(' \\\n        ')} \\\n        '*:file:_files' ;;`,
    )
    .join('\n')
  const valueOptions = [...new Set(commands.flatMap((command) => visibleFlags(command).flatMap(valueSpellings)))]
  const common = commonFlags(commands).flatMap(zshFlagSpecs)
  return `#compdef ${BIN}
# zsh completion for ${BIN}, generated from its commands (scripts/completion.js)
_${BIN}() {
  local -a first_words=(
${describe(firstWords)}
  )
  local -a value_options=(${valueOptions.join(' ')})
  # The command: the first word that is no flag and no flag's value, with the next word for a topic.
  local command="" word
  integer i start
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    case $word in
      --*=*) ;;
      -*) (( \${value_options[(Ie)$word]} )) && (( i++ )) ;;
      *)
        if [[ -z $command ]]; then command=$word start=i
        elif [[ " ${topics(commands).join(' ')} " == *" $command "* ]]; then command="$command $word" start=i; break
        else break
        fi ;;
    esac
  done

  if [[ -z $command ]]; then
    if [[ $PREFIX == -* ]]; then
      _arguments ${common.join(' ')}
    else
      _describe -t commands '${BIN} command' first_words
    fi
    return
  fi

  # _arguments reads words[1] as the command's name: start the words at the command.
  words=("\${(@)words[start,-1]}")
  (( CURRENT -= start - 1 ))
  case $command in
    help)
      if (( CURRENT == 2 )); then
        _describe -t commands '${BIN} command' first_words
      elif (( CURRENT == 3 )); then
        case \${words[2]} in
${helpTopicCases}
        esac
      fi ;;
${topicCases}
${cases}
    *) _files ;;
  esac
}
_${BIN} "$@"
`
}
