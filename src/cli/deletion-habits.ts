/**
 * docker-registryctl's habits for deleting, kept out of deletion-command.ts so that file stays small:
 *  - `echo y | registryctl delete-tags …` confirms: an explicit `y` or `yes` line on a stdin that is
 *    not a terminal counts as the answer; anything else (an empty stdin, `n`, EOF) refuses;
 *  - where the output goes: the report lines alone on stdout (parsers of docker-registryctl's output
 *    keep working), the plan and the notes on stderr (the plan on stdout with --dry-run: it is the answer);
 */
import type {DeletionResult} from '../lib/deletion/execute.js'
import type {DeletionPlan} from '../lib/deletion/plan.js'
import {formatPlan, formatResult, formatResultNotes} from './render/deletion.js'
import {lineWidth} from './render/format.js'

/** How long a piped answer is waited for: a stdin left open by a job runner must not hang it forever. */
export const STDIN_ANSWER_TIMEOUT_MS = 10_000

/** True for an explicit yes (`y`, `yes`, any case, surrounding blanks ignored). */
export function isYes(line: string): boolean {
  return /^\s*y(?:es)?\s*$/i.test(line)
}

/**
 * Reads the first line of a stdin that is not a terminal (at most `timeoutMs`) and tells whether it
 * is an explicit yes. The question goes to stderr, as it is not part of the report. `signal` (a
 * SIGINT meanwhile) stops waiting: no answer.
 */
export async function confirmFromStdin(
  question: string,
  options: {
    stdin?: NodeJS.ReadableStream
    stderr?: NodeJS.WritableStream
    timeoutMs?: number
    signal?: AbortSignal
  } = {},
): Promise<boolean> {
  const stdin = options.stdin ?? process.stdin
  const stderr = options.stderr ?? process.stderr
  stderr.write(`${question} [y/N] `)
  const line = await new Promise<string>((resolve) => {
    let text = ''
    const finish = () => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', finish)
      stdin.removeListener('data', onData)
      stdin.removeListener('end', finish)
      stdin.removeListener('error', finish)
      if ('pause' in stdin) stdin.pause()
      resolve(text.split(/\r?\n/)[0] ?? '')
    }

    const onData = (chunk: Buffer | string) => {
      text += chunk.toString()
      if (text.includes('\n')) finish()
    }

    const timer = setTimeout(finish, options.timeoutMs ?? STDIN_ANSWER_TIMEOUT_MS)
    stdin.on('data', onData)
    stdin.once('end', finish)
    stdin.once('error', finish)
    options.signal?.addEventListener('abort', finish, {once: true})
    stdin.resume()
    if (options.signal?.aborted) finish()
  })
  stderr.write(`${line.trim() || '(no answer)'}\n`)
  return isYes(line)
}

/** Writes the plan: stdout for a dry run (it is the answer), stderr otherwise (the report is stdout). */
export function showPlan(plan: DeletionPlan, options: {dryRun: boolean; silent?: boolean}): void {
  const stream = options.dryRun ? process.stdout : process.stderr
  if (options.silent && !options.dryRun) return
  stream.write(`${formatPlan(plan, lineWidth(stream)).join('\n')}\n`)
}

/**
 * Writes the report lines on stdout (on `reportTo` when stdout has failed) and registryctl's notes
 * (why, counts) on stderr.
 */
export function showResult(
  result: DeletionResult,
  plan: DeletionPlan,
  options: {silent?: boolean; streamed?: ReadonlySet<string>; reportTo?: NodeJS.WritableStream} = {},
): void {
  // Lines already written as their outcome happened (off a terminal) are not written twice.
  const report = formatResult(result).filter((_line, index) => !options.streamed?.has(result.tags[index]!.tag))
  if (report.length > 0) (options.reportTo ?? process.stdout).write(`${report.join('\n')}\n`)
  if (!options.silent)
    process.stderr.write(`${formatResultNotes(result, {plan, width: lineWidth(process.stderr)}).join('\n')}\n`)
}
