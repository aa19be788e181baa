/**
 * docker-registryctl's line formats, pinned with the output its own format rules produce
 * (docker_report/registryctl.py: `print("-- ")`, `"{}:".format(name)`, `"  - {}".format(tag)`,
 * `"{0:74s}[{1}]".format(fullname, res)`, `SHA1REGEX = ^[a-zA-Z0-9]{40}$`). The expected strings were
 * produced by Python's str.format, not by registryctl.
 */
import {strict as assert} from 'node:assert'

import {NAKED_TAG, selectTags} from '../../../src/lib/registry/inventory.js'
import {formatOutcome, formatResult} from '../../../src/cli/render/deletion.js'
import {fitLine, formatListing} from '../../../src/cli/render/format.js'

describe("docker-registryctl's formats", () => {
  it('lists with one `-- ` line first, then `NAME:` and `  - TAG`', () => {
    const lines = formatListing([
      {
        name: 'wikimedia/machinelearning-liftwing-inference-services',
        tags: [{tag: '2021-08-02-101010-production'}, {tag: 'stable'}],
      },
      {name: 'wikimedia/app', tags: []},
    ])
    assert.equal(
      `${lines.join('\n')}\n`,
      '-- \nwikimedia/machinelearning-liftwing-inference-services:\n  - 2021-08-02-101010-production\n  - stable\nwikimedia/app:\n',
    )
    assert.deepEqual(formatListing([]), ['-- '])
  })

  it('hides naked tags by `^[a-zA-Z0-9]{40}$`, upper case and non-hex letters included', () => {
    const verdicts = {
      '3f786850e387550fdab836ed7e6dc881de23001b': true,
      '3F786850E387550FDAB836ED7E6DC881DE23001B': true,
      release2021release2021release2021release: true,
      '3f786850e387550fdab836ed7e6dc881de23001': false,
      '3f786850e387550fdab836ed7e6dc881de23001b-x': false,
      '3f786850e387550fdab836ed7e6dc881de2300_b': false,
    }
    for (const [tag, naked] of Object.entries(verdicts)) assert.equal(NAKED_TAG.test(tag), naked, tag)
    assert.deepEqual(
      selectTags(Object.keys(verdicts), {}),
      Object.keys(verdicts).filter((tag) => !verdicts[tag as keyof typeof verdicts]),
    )
  })

  it("pads report lines to 74 columns with no space when the reference is as long or longer ('{0:74s}[{1}]')", () => {
    const line = (registry: string, name: string, tag: string, status: 'DONE' | 'FAIL' | 'GONE') =>
      formatOutcome(registry, name, {tag, digest: 'sha256:x', status})
    assert.equal(
      line('docker-registry.wikimedia.org', 'wikimedia/app', '2021-08-02-101010-production', 'DONE'),
      'docker-registry.wikimedia.org/wikimedia/app:2021-08-02-101010-production  [DONE]',
    )
    assert.equal(
      line(
        'docker-registry.discovery.wmnet',
        'wikimedia/machinelearning-liftwing-inference-services',
        '2021-08-02-101010-production',
        'FAIL',
      ),
      'docker-registry.discovery.wmnet/wikimedia/machinelearning-liftwing-inference-services:2021-08-02-101010-production[FAIL]',
    )
    assert.equal(
      line('r.example', 'a', 'x'.repeat(61), 'GONE'),
      'r.example/a:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx [GONE]',
    )
    assert.equal(
      line('r.example', 'a', 'x'.repeat(62), 'DONE'),
      'r.example/a:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx[DONE]',
    )
  })

  it('puts nothing but the report lines in the report', () => {
    const result = {
      registry: 'r.example',
      name: 'a',
      tags: [
        {tag: 'v1', digest: 'sha256:1', status: 'DONE' as const, detail: 'tag deleted'},
        {tag: 'v2', digest: 'sha256:2', status: 'KEPT' as const, detail: 'its image is also tagged stable'},
      ],
      digests: [],
      counts: {DONE: 1, FAIL: 0, GONE: 0, KEPT: 1, CHANGED: 0, UNKNOWN: 0, SKIPPED: 0},
      blocked: true,
      interrupted: false,
      exitCode: 12,
    }
    assert.deepEqual(formatResult(result), [
      `${'r.example/a:v1'.padEnd(74)}[DONE]`,
      `${'r.example/a:v2'.padEnd(74)}[KEPT]`,
    ])
  })
})

describe('fitLine', () => {
  const names = new Set(Array.from({length: 140}, (_, i) => `sibling-${i}`))
  const long = `v1 [KEPT] its image is also tagged ${[...names].join(', ')}, not selected: see --include-siblings, --keep-siblings`

  it('cuts a long list of names to what fits and counts the rest', () => {
    const line = fitLine(long, 140, names)
    assert.ok(line.length <= 140, line)
    assert.match(
      line,
      /^v1 \[KEPT\] its image is also tagged sibling-0, sibling-1, .*, … \(\+\d+ more\), not selected: see --include-siblings, --keep-siblings$/,
    )
    const shown = line.match(/sibling-\d+/g)!.length
    assert.equal(Number(/\+(\d+) more/.exec(line)![1]) + shown, 140)
  })

  it('keeps the count when even one name does not fit', () => {
    const line = fitLine(long, 70, names)
    assert.equal(line, 'v1 [KEPT] its image is also tagged sibling-0, … (+139 more), not sele…')
  })

  it('leaves a short line alone and cuts a line without a list', () => {
    assert.equal(fitLine('short', 80), 'short')
    assert.equal(fitLine('x'.repeat(100), 10), `${'x'.repeat(9)}…`)
  })
})
