/**
 * Interrupting a 200-tag deletion at random points (seeded): whatever the moment, every result line
 * printed and every journaled outcome must match the registry's state, read directly afterwards; a
 * graceful stop (first signal) accounts for all 200 tags and exits 130.
 */
import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {writePlan} from '../../src/lib/deletion/gather.js'
import {readJournal} from '../../src/lib/deletion/journal.js'
import {planDeletion} from '../../src/lib/deletion/plan.js'
import {ExitCode} from '../../src/lib/errors.js'
import {buildImage} from '../../src/sandbox/images.js'
import {type RunningRegistry, startRegistry} from '../../src/sandbox/registry-process.js'
import {StoreWriter} from '../../src/sandbox/store.js'
import {startFaultProxy} from '../helpers/fault-proxy.js'
import {inTerminal, isolatedEnvironment, RUN, runCli} from '../helpers/cli.js'
import {localSession} from '../helpers/registry.js'
import {seededRandom, testSeed} from '../helpers/prng.js'

const TAGS = 200
const RUNS = 20
const tagName = (k: number) => `build-${String(k).padStart(3, '0')}`
const tagsOf = new Map<number, Array<{tag: string; digest: string; created: string}>>()

interface Interrupted {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Run delete-tags on a pseudo-terminal (util-linux `script`), as an operator does, and press Ctrl-C
 * (the terminal turns it into SIGINT for the foreground process) once the progress view shows
 * `afterImages` images handled. Returns the screen's text without colours and cursor movements.
 */
async function deleteOnTerminalAndPressCtrlC(
  args: string[],
  afterImages: number,
): Promise<{code: number | null; screen: string; pressed: boolean}> {
  return new Promise((resolve, reject) => {
    const child = spawn(...inTerminal(args), {
      env: isolatedEnvironment({COLUMNS: '200'}),
      stdio: ['pipe', 'pipe', 'ignore'],
    })
    let raw = ''
    let pressed = false
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.stdout.on('data', (chunk: Buffer) => {
      raw += chunk.toString()
      const handled = [...raw.matchAll(/(\d+)\/\d+ images handled/g)].map((match) => Number(match[1]))
      if (!pressed && handled.some((count) => count >= afterImages)) {
        pressed = true
        child.stdin.write('\u0003')
      }
    })
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(watchdog)

      resolve({code, pressed, screen: raw.replaceAll(/\u001B\[[0-9;?]*[A-Za-z]/g, '').replaceAll('\r', '\n')})
    })
  })
}

/**
 * Run delete-tags and send `signals` once `afterLines` result lines have been printed (0: as soon as
 * the plan is out, before any deletion), `delayMs` later.
 */
async function deleteAndInterrupt(
  args: string[],
  afterLines: number,
  delayMs: number,
  signals: NodeJS.Signals[],
): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], {
      env: isolatedEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let sent = false
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 60_000)
    const maybeSignal = () => {
      const lines = stdout.split('\n').filter((line) => / \[[A-Z]+\]/.test(line)).length
      // The plan (and its Summary line) goes to stderr before any deletion; the report lines to stdout.
      if (sent || !stderr.includes('Summary:') || lines < afterLines) return
      sent = true
      setTimeout(() => child.kill(signals[0]!), delayMs)
    }

    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      maybeSignal()
    })
    let more = signals.slice(1)
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      maybeSignal()
      // Further signals once the first was handled (signals sent together would merge into one).
      if (more.length > 0 && stderr.includes('starting no more deletions')) {
        for (const signal of more) child.kill(signal)
        more = []
      }
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(watchdog)
      resolve({code, signal, stdout, stderr})
    })
  })
}

function printedOutcomes(stdout: string): Map<string, string> {
  const outcomes = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    const match = /^\S+\/int\/run-\d+:([^\s[]+) *\[([A-Z]+)\]$/.exec(line)
    if (!match) continue
    assert.ok(!outcomes.has(match[1]!), `${match[1]} reported twice`)
    outcomes.set(match[1]!, match[2]!)
  }

  return outcomes
}

describe('interrupting a deletion @integration', function () {
  this.timeout(300_000)
  let registry: RunningRegistry
  let work: string
  before(async function () {
    this.timeout(120_000)
    // tmpfs when there is one: 4,000 images are written straight into distribution's layout.
    work = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'registryctl-interrupt-'))
    const writer = new StoreWriter(join(work, 'store'))
    registry = await startRegistry({rootDirectory: join(work, 'store')})
    // Plans are written here too, as --plan-out would: the runs measure deleting, not planning.
    // Runs 0…RUNS-1 at random points, RUNS for two signals, RUNS+1 for Ctrl-C on a terminal.
    for (let run = 0; run < RUNS + 2; run++) {
      const tags: Array<{tag: string; digest: string; created: string}> = []
      tagsOf.set(run, tags)
      for (let k = 0; k < TAGS; k++) {
        const created = new Date(Date.UTC(2020, 0, 1) + k * 60_000).toISOString()
        const image = buildImage({created, layers: [`int ${run} ${k}`]})
        writer.image(`int/run-${run}`, [tagName(k)], image)
        tags.push({tag: tagName(k), digest: image.digest, created})
      }

      await writePlan(
        join(work, `plan-${run}.json`),
        planDeletion({registry: registry.host, name: `int/run-${run}`, pattern: '*', policy: 'block', tags}),
      )
    }
  })
  after(async () => {
    await registry?.stop()
    if (work) await rm(work, {recursive: true, force: true})
  })

  const remaining = async (name: string) =>
    new Set(await localSession().client({host: registry.host}).tags(name, {missingIsEmpty: true}))

  it(`SIGINT/SIGTERM at ${RUNS} random points of a ${TAGS}-tag deletion: printed and journaled outcomes equal the registry's state`, async () => {
    const seed = testSeed(1515)
    const random = seededRandom(seed)
    const exits: number[] = []
    for (let run = 0; run < RUNS; run++) {
      const name = `int/run-${run}`
      const journal = join(work, `journal-${run}.jsonl`)
      // Spread over the whole run, before the first deletion (0) included.
      const afterLines = run === 0 ? 0 : Math.floor(random() * TAGS * 0.9)
      const delayMs = Math.floor(random() * 30)
      const signal: NodeJS.Signals = random() < 0.25 ? 'SIGTERM' : 'SIGINT'

      const result = await deleteAndInterrupt(
        ['delete-tags', '--plan', join(work, `plan-${run}.json`), '--yes', '--journal', journal],
        afterLines,
        delayMs,
        [signal],
      )
      const context = `seed ${seed}, run ${run} (${signal} after ${afterLines} lines + ${delayMs} ms): exit ${result.code}\n${result.stderr}`

      const left = await remaining(name)
      const printed = printedOutcomes(result.stdout)
      const journaled = new Map(
        readJournal(journal).flatMap((record) =>
          record.event === 'outcome' ? [[record.tag, record.status] as const] : [],
        ),
      )
      // A graceful stop, or the run finished before the signal: every tag is accounted for.
      assert.ok(result.code === ExitCode.INTERRUPTED || result.code === ExitCode.OK, context)
      exits.push(result.code!)
      assert.equal(printed.size, TAGS, context)
      assert.deepEqual(new Map([...printed].sort()), new Map([...journaled].sort()), context)
      for (let k = 0; k < TAGS; k++) {
        const tag = tagName(k)
        const status = printed.get(tag)
        if (left.has(tag))
          assert.ok(
            status === 'SKIPPED' || status === 'FAIL',
            `${tag} is still there but was reported ${status}; ${context}`,
          )
        else assert.equal(status, 'DONE', `${tag} is gone but was reported ${status}; ${context}`)
      }

      if (result.code === ExitCode.INTERRUPTED)
        assert.match(result.stderr, /interrupted: \d+ tag\(s\) deleted, \d+ not attempted/, context)
    }

    // The random points did land inside deletions, not only before or after.
    assert.ok(exits.filter((code) => code === ExitCode.INTERRUPTED).length >= RUNS / 2, exits.join(' '))
  })

  it('Ctrl-C inside the progress view on a terminal: every tag reported once, as the registry says', async () => {
    const name = `int/run-${RUNS + 1}`
    const journal = join(work, 'journal-terminal.jsonl')
    // DELETEs slowed down, so the key is surely pressed while most of the plan is still to do.
    const proxy = await startFaultProxy({
      target: registry.url,
      rate: 0,
      force: (method) => (method === 'DELETE' ? 'delay' : null),
      delayMs: 300,
    })
    const planFile = join(work, 'plan-terminal.json')
    await writePlan(
      planFile,
      planDeletion({registry: proxy.host, name, pattern: '*', policy: 'block', tags: tagsOf.get(RUNS + 1)!}),
    )
    let result: Awaited<ReturnType<typeof deleteOnTerminalAndPressCtrlC>>
    try {
      result = await deleteOnTerminalAndPressCtrlC(
        ['delete-tags', '--plan', planFile, '--yes', '--journal', journal],
        16,
      )
    } finally {
      await proxy.stop()
    }

    const context = `exit ${result.code}\n${result.screen.slice(-3000)}`
    assert.ok(result.pressed, `the progress view never showed 16 images handled\n${context}`)
    assert.equal(result.code, ExitCode.INTERRUPTED, context)
    assert.match(result.screen, /SIGINT: starting no more deletions/, context)
    assert.match(result.screen, /interrupted: \d+ tag\(s\) deleted, \d+ not attempted/, context)
    // One line per tag (the view's own frames are not report lines), each as the registry says.
    const printed = printedOutcomes(result.screen)
    assert.equal(printed.size, TAGS, context)
    const left = await remaining(name)
    for (const [tag, status] of printed) {
      if (left.has(tag))
        assert.ok(
          status === 'SKIPPED' || status === 'FAIL',
          `${tag} is still there but was reported ${status}; ${context}`,
        )
      else assert.equal(status, 'DONE', `${tag} is gone but was reported ${status}; ${context}`)
    }

    const done = [...printed.values()].filter((status) => status === 'DONE').length
    assert.ok(done >= 16 && done < TAGS, `${done} DONE; ${context}`)
    const journaled = new Map(
      readJournal(journal).flatMap((record) =>
        record.event === 'outcome' ? [[record.tag, record.status] as const] : [],
      ),
    )
    assert.deepEqual(new Map([...printed].sort()), new Map([...journaled].sort()), context)
  })

  it('a second signal exits at once; what was printed and journaled is still true', async () => {
    const name = `int/run-${RUNS}`
    const journal = join(work, 'journal-twice.jsonl')
    // DELETEs slowed down by a proxy, so the second signal surely comes while some are in flight.
    const proxy = await startFaultProxy({
      target: registry.url,
      rate: 0,
      force: (method) => (method === 'DELETE' ? 'delay' : null),
      delayMs: 2000,
    })
    const planFile = join(work, 'plan-twice.json')
    await writePlan(
      planFile,
      planDeletion({registry: proxy.host, name, pattern: '*', policy: 'block', tags: tagsOf.get(RUNS)!}),
    )
    let result: Interrupted
    try {
      result = await deleteAndInterrupt(['delete-tags', '--plan', planFile, '--yes', '--journal', journal], 8, 0, [
        'SIGINT',
        'SIGINT',
      ])
    } finally {
      await proxy.stop()
    }

    assert.equal(result.code, ExitCode.INTERRUPTED, result.stderr)
    assert.match(result.stderr, /again: exiting at once/)
    const left = await remaining(name)
    const printed = printedOutcomes(result.stdout)
    const journaled = readJournal(journal).filter((record) => record.event === 'outcome')
    assert.ok(printed.size >= 8 && printed.size < TAGS, `${printed.size} lines`)
    for (const [tag, status] of printed) assert.equal(left.has(tag), status !== 'DONE', `${tag} ${status}`)
    for (const record of journaled)
      if (record.event === 'outcome')
        assert.equal(left.has(record.tag), record.status !== 'DONE', `${record.tag} ${record.status}`)

    // A rerun with the same journal says the last run was cut short, then finishes the job.
    const direct = join(work, 'plan-twice-direct.json')
    await writePlan(
      direct,
      planDeletion({registry: registry.host, name, pattern: '*', policy: 'block', tags: tagsOf.get(RUNS)!}),
    )
    const rerun = await runCli(['delete-tags', '--plan', direct, '--yes', '--journal', journal])
    assert.equal(rerun.code, ExitCode.OK, rerun.stderr)
    assert.match(
      rerun.stderr,
      new RegExp(
        `note: the last run in journal .* did not finish \\(killed\\?\\) and recorded ${journaled.length} DONE;`,
      ),
    )
    assert.deepEqual(await remaining(name), new Set())
  })
})
