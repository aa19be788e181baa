import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {SAMPLE_IMAGES, seedSamples} from '../../src/sandbox/seed.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'

describe('resolve, inspect and list-tags with many references @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  const digestOf = (tag: string) => SAMPLE_IMAGES.find((image) => image.tags.includes(tag))!.build().digest

  it('resolve prints REFERENCE<TAB>DIGEST per argument, in order; a missing tag fails alone', async () => {
    const host = registry().host
    const inputs = [`${host}/base/multiarch:bookworm`, `${host}/team/app:nope`, `${host}/team/app:stable`]
    const {code, stdout, stderr} = await runCli(['resolve', ...inputs])
    assert.equal(stdout, `${inputs[0]}\t${digestOf('bookworm')}\n${inputs[2]}\t${digestOf('stable')}\n`)
    assert.match(stderr, /^registryctl: \S+team\/app:nope: manifest \S+team\/app:nope not found\n$/)
    assert.equal(code, ExitCode.NOT_FOUND)
  })

  it('resolve - reads stdin, skipping blank lines and comments, and keeps input order', async () => {
    const host = registry().host
    const tags = ['stable', 'bookworm', 'stable', '2021-07-28-175322-production']
    const names = ['team/app', 'base/multiarch', 'team/app', 'team/app']
    const inputs = tags.map((tag, i) => `${host}/${names[i]}:${tag}`)
    const {code, stdout, stderr} = await runCli(['resolve', '-', '--concurrency', '2'], {
      input: `  # nightly check\n\n${inputs.join('\n')}\n   \n`,
    })
    assert.equal(stderr, '')
    assert.equal(code, 0)
    assert.deepEqual(
      stdout.trimEnd().split('\n'),
      inputs.map((input, i) => `${input}\t${digestOf(tags[i]!)}`),
    )
  })

  it('- and --password-stdin both want stdin: a usage error', async () => {
    const {code, stderr} = await runCli(['resolve', '-', '--username', 'u', '--password-stdin'], {
      input: `${registry().host}/team/app:stable\n`,
    })
    assert.equal(code, ExitCode.USAGE)
    assert.match(stderr, /^registryctl: `-` reads references from stdin, which --password-stdin needs/)
  })

  it('list-tags lists several repositories, each as its own listing', async () => {
    const host = registry().host
    const {code, stdout} = await runCli([
      'list-tags',
      '--sort',
      'name',
      `${host}/team/app:stable`,
      `${host}/base/multiarch`,
    ])
    assert.equal(code, 0)
    assert.match(stdout, /^-- \nteam\/app:\n {2}- stable\n-- \nbase\/multiarch:\n( {2}- \S+\n)+$/)
  })
})
