import {strict as assert} from 'node:assert'

import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {expandHosts, splitHost} from '../../../src/lib/smoke/hosts.js'

describe('smoke/hosts', () => {
  it('expands the issue example: numbers, ranges, plain names, commas inside brackets', () => {
    assert.deepEqual(expandHosts('registry[2001-2002,2004].codfw.example,other.example'), [
      'registry2001.codfw.example',
      'registry2002.codfw.example',
      'registry2004.codfw.example',
      'other.example',
    ])
  })

  it('keeps zero padding and multiplies several brackets out', () => {
    assert.deepEqual(expandHosts('ms-fe[01-02].[eqiad,codfw].wmnet'), [
      'ms-fe01.eqiad.wmnet',
      'ms-fe01.codfw.wmnet',
      'ms-fe02.eqiad.wmnet',
      'ms-fe02.codfw.wmnet',
    ])
  })

  it('accepts addresses with ports and drops duplicates and blanks', () => {
    assert.deepEqual(expandHosts(' 127.0.0.1:5000, ,127.0.0.1:5000,::1 '), ['127.0.0.1:5000', '::1'])
  })

  for (const [list, message] of [
    ['registry[2002-2001].example', /range 2002-2001 goes backwards/],
    ['registry[1-2.example', /"\[" without "\]"/],
    ['registry1-2].example', /"\]" without "\["/],
    ['registry[a b].example', /neither a number, a range nor a name/],
    ['registry[1-20000].example', /more than 10000 hosts/],
    [' , ', /--hosts is empty/],
  ] as const) {
    it(`refuses ${JSON.stringify(list)} with a usage error`, () => {
      assert.throws(
        () => expandHosts(list),
        (error: RegistryCtlError) => error.exitCode === ExitCode.USAGE && message.test(error.message),
      )
    })
  }
})

describe('smoke/hosts splitHost', () => {
  it('splits names, IPv4 and bracketed IPv6 with ports, and leaves bare IPv6 whole', () => {
    assert.deepEqual(
      ['node1', 'node1:8443', '10.0.0.1:5000', '[::1]:5000', '[::1]', '::1'].map((host) => splitHost(host)),
      [
        {hostname: 'node1'},
        {hostname: 'node1', port: 8443},
        {hostname: '10.0.0.1', port: 5000},
        {hostname: '::1', port: 5000},
        {hostname: '::1'},
        {hostname: '::1'},
      ],
    )
  })
})
