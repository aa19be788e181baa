// Measuring helpers shared by the benchmarks (bench/run.js lists them). Every figure is a median of
// runs alternated with its baseline, measured in the same run on the same machine.
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const CLI = fileURLToPath(new URL('../bin/run.js', import.meta.url))
/** A script of bench/floor/ (the barest Node client), for timeProcess(process.execPath, [floorScript(…), …]). */
export const floorScript = (name) => fileURLToPath(new URL(`floor/${name}.js`, import.meta.url))

export function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/**
 * Wall time of a whole process, in ms; fails loudly if the process fails (or exits otherwise than
 * `expect`). `input`: what its stdin reads.
 */
export function timeProcess(command, args, options = {}) {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, args, {
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'],
    input: options.input,
    maxBuffer: 1 << 26,
    env: {...process.env, ...options.env},
  })
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== (options.expect ?? 0))
    throw new Error(
      `${command} ${args.slice(0, 3).join(' ')} failed (${result.status}): ${String(result.stderr).slice(-500)}`,
    )
  return elapsed
}

/** Wall time (ms) and peak resident memory (MB, GNU time's %M) of one run of a process, measured together. */
export function timeAndPeakMemory(command, args, options = {}) {
  const started = process.hrtime.bigint()
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: {...process.env, ...options.env},
  })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== (options.expect ?? 0))
    throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed (${result.status}): ${result.stderr.slice(-500)}`)
  return {ms, mb: Number(result.stderr.trim().split('\n').at(-1)) / 1024}
}

/** Peak resident memory of a process in MB, from GNU time. */
export function peakMemoryMb(command, args, options = {}) {
  return timeAndPeakMemory(command, args, options).mb
}

/**
 * Alternate candidate and baseline so that drift on the machine hits both alike; one warm-up run
 * each (run number 0), then `runs` timed runs. Each call gets its run number, for benchmarks that
 * consume their fixture. `goal`: {ratio: 1.5} (candidate <= 1.5x baseline) or {plusMs: 100}
 * (candidate <= baseline + 100 ms).
 */
export function compare(label, {candidate, baseline, runs, goal, baselineLabel}) {
  const [a, b] = alternate([candidate, baseline], runs)
  return row(label, a, b, goal, baselineLabel)
}

/** Each process's median over `runs` runs, the processes taking turns, after one warm-up run each. */
function alternate(processes, runs) {
  for (const run of processes) run(0)
  const samples = processes.map(() => [])
  for (let i = 1; i <= runs; i++) for (const [k, run] of processes.entries()) samples[k].push(run(i))
  return samples.map((times) => median(times))
}

/**
 * compare() with a third process alternated in: the same requests sent by the barest Node client
 * (bench/floor), so the table shows how much of a ratio is Node's own (start-up, node:http's CPU
 * taken from the registry on two cores) and how much is registryctl's. Three rows: the candidate
 * against the baseline (the goal), the floor against the baseline, the candidate against the floor.
 */
export function compareWithFloor(label, {candidate, baseline, floor, runs, goal, baselineLabel}) {
  const [a, b, f] = alternate([candidate, baseline, floor], runs)
  const floorLabel = "node:http floor, curl's requests"
  return [
    row(label, a, b, goal, baselineLabel),
    row(`  ${floorLabel}`, f, b, {}, baselineLabel),
    row('  registryctl against that floor', a, f, {}, floorLabel),
  ]
}

export function row(label, candidateMs, baselineMs, goal, baselineLabel = '') {
  const ratio = candidateMs / baselineMs
  // A figure the issues set no goal for: reported, never failed.
  if (goal.ratio === undefined && goal.plusMs === undefined) {
    return {
      label,
      candidate: `${candidateMs.toFixed(0)} ms`,
      baseline: `${baselineMs.toFixed(0)} ms`,
      baselineLabel,
      result: `${ratio.toFixed(2)}x`,
      goal: '-',
      met: true,
    }
  }

  const met = goal.ratio === undefined ? candidateMs <= baselineMs + goal.plusMs : ratio <= goal.ratio
  const goalText = goal.ratio === undefined ? `<= base+${goal.plusMs} ms` : `<= ${goal.ratio}x`
  return {
    label,
    candidate: `${candidateMs.toFixed(0)} ms`,
    baseline: `${baselineMs.toFixed(0)} ms`,
    baselineLabel,
    result: goal.ratio === undefined ? `+${(candidateMs - baselineMs).toFixed(0)} ms` : `${ratio.toFixed(2)}x`,
    goal: goalText,
    met,
  }
}

/** A memory row: candidate peak RSS against a bound in MB, or against a baseline process's. */
export function memoryRow(label, candidateMb, goal, baselineMb, baselineLabel = '') {
  if (goal.maxMb !== undefined) {
    return {
      label,
      candidate: `${candidateMb.toFixed(0)} MB`,
      baseline: '',
      baselineLabel,
      result: `${candidateMb.toFixed(0)} MB`,
      goal: `<= ${goal.maxMb} MB`,
      met: candidateMb <= goal.maxMb,
    }
  }

  const ratio = candidateMb / baselineMb
  return {
    label,
    candidate: `${candidateMb.toFixed(0)} MB`,
    baseline: `${baselineMb.toFixed(0)} MB`,
    baselineLabel,
    result: `${ratio.toFixed(2)}x`,
    goal: `<= ${goal.ratio}x`,
    met: ratio <= goal.ratio,
  }
}

export function printTable(rows, runs) {
  console.log(
    `\nmedian of ${runs} runs each (fewer where noted), after one warm-up run; baselines measured in the same run`,
  )
  const columns = [
    ['benchmark', (r) => r.label, 52],
    ['registryctl', (r) => r.candidate, 11],
    ['baseline', (r) => r.baseline, 10],
    ['result', (r) => r.result, 9],
    ['goal', (r) => r.goal, 15],
    ['met', (r) => (r.goal === '-' ? '-' : r.met ? 'yes' : 'NO'), 4],
    ['baseline is', (r) => r.baselineLabel, 0],
  ]
  const line = (cells) =>
    cells
      .map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(columns[i][2]) : cell.padStart(columns[i][2])))
      .join('  ')
      .trimEnd()
  console.log(line(columns.map(([title]) => title)))
  for (const r of rows) console.log(line(columns.map(([, get]) => get(r))))
}
