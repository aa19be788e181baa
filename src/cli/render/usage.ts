/**
 * The USAGE line of a command's help, built from its arguments and flags. oclif's own generator
 * leaves empty alternatives (`[--plan | [--a | --b] |  | --keep]`) when exclusive groups overlap:
 * here a flag joins at most one group, and a group never lists an alternative twice or empty.
 */
interface UsageFlag {
  name: string
  char?: string
  type: 'boolean' | 'option'
  required?: boolean
  hidden?: boolean
  multiple?: boolean
  helpValue?: string | string[]
  options?: readonly string[]
  exclusive?: string[]
  dependsOn?: string[]
}

interface UsageArg {
  /** Absent on a command class's own args: the key is the name. */
  name?: string
  required?: boolean
  hidden?: boolean
  multiple?: boolean
}

export interface UsageInput {
  args?: Record<string, UsageArg>
  flags?: Record<string, UsageFlag>
  strict?: boolean
}

function element(flag: UsageFlag): string {
  const name = flag.char ? `-${flag.char}` : `--${flag.name}`
  if (flag.type !== 'option') return name
  const values =
    flag.helpValue === undefined
      ? [flag.options ? flag.options.join('|') : '<value>']
      : typeof flag.helpValue === 'string'
        ? [flag.helpValue]
        : flag.helpValue
  return `${name} ${values.map((value) => `${value}${flag.multiple ? '...' : ''}`).join(' ')}`
}

/** `<%= command.id %> [IMAGE] [--json] [--a | --b] [--username <value> --password-stdin] …` */
export function usageLine(command: UsageInput): string {
  const parts = ['<%= command.id %>']
  for (const [key, arg] of Object.entries(command.args ?? {})) {
    if (arg.hidden) continue
    const name = `${(arg.name ?? key).toUpperCase()}${arg.multiple || command.strict === false ? '...' : ''}`
    parts.push(arg.required ? name : `[${name}]`)
  }

  const flags = Object.values(command.flags ?? {}).filter((flag) => !flag.hidden)
  const byName = new Map(flags.map((flag) => [flag.name, flag]))
  const placed = new Set<string>()
  const ordered = [...flags.filter((flag) => flag.required), ...flags.filter((flag) => !flag.required)]
  for (const flag of ordered) {
    if (placed.has(flag.name)) continue
    placed.add(flag.name)
    // Flags that need each other are one element: `--username <value> --password-stdin`.
    const together = [flag, ...(flag.dependsOn ?? []).map((name) => byName.get(name))].filter(
      (other, index): other is UsageFlag => other !== undefined && (index === 0 || !placed.has(other.name)),
    )
    for (const other of together) placed.add(other.name)
    const alternatives = [together.map((member) => element(member)).join(' ')]
    for (const name of flag.exclusive ?? []) {
      const other = byName.get(name)
      if (!other || placed.has(name)) continue
      placed.add(name)
      alternatives.push(element(other))
    }

    const required = [flag, ...together].some((member) => member.required)
    const text = alternatives.join(' | ')
    parts.push(required ? (alternatives.length > 1 ? `(${text})` : text) : `[${text}]`)
  }

  return parts.join(' ')
}
