/**
 * The one switch behind -s/--silent: with it, a command prints only its results (stdout) and its
 * errors; progress lines, notes and warnings on stderr all ask here first. base-command.ts sets it
 * once the flags are parsed.
 */
let silent = false

export function setSilent(value: boolean): void {
  silent = value
}

export function isSilent(): boolean {
  return silent
}

/** A note, warning or progress line on stderr, unless -s. */
export function note(line: string): void {
  if (!silent) process.stderr.write(`${line}\n`)
}
