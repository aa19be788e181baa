/**
 * Found by an adversarial hunt: an index's platform fields are free text the real registry stores as pushed; inspect
 * prints them to the terminal.
 */
import {strict as assert} from 'node:assert'

import {buildImage, buildIndex} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'

const EVIL_OS = 'linux\u001B]0;owned\u0007\nAlso tagged: (no other tag points at this digest)'

describe('platform text from the registry on the terminal @integration', () => {
  const registry = useRegistry({}, async (running) => {
    const child = buildImage({created: '2024-01-01T00:00:00Z', layers: ['platform']})
    const index = buildIndex([{image: child, os: EVIL_OS, architecture: 'amd64'}])
    await pushImage(localSession().client({host: running.host}), 'team/evil', ['multi', 'sibling'], index)
  })

  // Fixed defect, as found: src/cli/render/format.ts:94 prints platform.platform (os/architecture/variant of the index, any
  // string distribution accepts) raw: OSC reaches the terminal and a newline forges the "Also tagged" line,
  // hiding the sibling tag a deletion would take. Fix: escape C0/C1 controls (e.g. JSON.stringify-style)
  // in every registry string rendered to a terminal, or validate platform fields in src/lib/registry/manifests.ts.
  it('inspect shows platform fields without control characters or forged lines', async () => {
    const {code, stdout} = await runCli(['inspect', `${registry().host}/team/evil:multi`])
    assert.equal(code, 0)
    assert.match(stdout, /Also tagged: sibling/)
    assert.doesNotMatch(stdout, /[\u0000-\u0008\u000B-\u001F\u007F]/)
    // The forged text stays inside the platform's line, escaped: no line of its own.
    assert.doesNotMatch(stdout, /^Also tagged: \(no other tag/m)
    assert.match(stdout, /linux\\x1B]0;owned\\x07\\x0AAlso tagged/)
  })
})
