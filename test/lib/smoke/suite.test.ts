import {strict as assert} from 'node:assert'

import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {parseSuite, pythonRegex} from '../../../src/lib/smoke/suite.js'

const refuses = (yaml: string, message: RegExp) =>
  assert.throws(
    () => parseSuite(yaml, 'suite.yaml'),
    (error: RegistryCtlError) => error.exitCode === ExitCode.USAGE && message.test(error.message),
  )

describe('smoke/suite', () => {
  it('reads every httpbb key with its line, and defaults the method to GET', () => {
    const cases = parseSuite(
      [
        'https://docker-registry.example.org:8443:',
        '- path: /v2/',
        '  assert_status: 200',
        '  assert_headers:',
        '    Docker-Distribution-Api-Version: registry/2.0',
        '- path: /v2/_catalog',
        '  method: head',
        '  request_headers:',
        '    Authorization: Basic eDp5',
        '    Content-Length: 0',
        '  assert_status: 200',
        '  assert_headers_regex:',
        '    Content-Type: ^application/json',
        '  assert_headers_absent: [Set-Cookie]',
        '  assert_body_contains: repositories',
        '  assert_body_regex: \'(?s)\\{.*"repositories"\'',
        'http://other.example:',
        '- path: /health',
        '  json_body: {a: 1}',
      ].join('\n'),
      'suite.yaml',
    )
    assert.equal(cases.length, 3)
    const [first, second, third] = cases as [(typeof cases)[0], (typeof cases)[0], (typeof cases)[0]]
    assert.deepEqual(
      [first.line, first.scheme, first.name, first.method, first.assertStatus],
      [2, 'https', 'docker-registry.example.org:8443', 'GET', 200],
    )
    assert.deepEqual(first.assertHeaders, {'Docker-Distribution-Api-Version': 'registry/2.0'})
    assert.deepEqual([second.line, second.method], [6, 'HEAD'])
    assert.deepEqual(second.requestHeaders, {Authorization: 'Basic eDp5', 'Content-Length': '0'})
    assert.ok(second.assertHeadersRegex!['Content-Type']!.test('application/json; charset=utf-8'))
    assert.deepEqual(second.assertHeadersAbsent, ['Set-Cookie'])
    assert.ok(second.assertBodyRegex!.test('{\n  "repositories": []}'), '(?s) lets . cross lines')
    assert.deepEqual(
      [third.scheme, third.name, third.jsonBody, third.assertStatus],
      ['http', 'other.example', {a: 1}, undefined],
    )
  })

  it('searches bodies line by line as Python re.MULTILINE does, and maps named groups', () => {
    assert.ok(pythonRegex('^ok$', 'x').test('first\nok\nlast'))
    assert.ok(!pythonRegex('first.ok', 'x').test('first\nok'))
    assert.ok(pythonRegex('(?i)OK', 'x').test('ok'))
    assert.ok(pythonRegex('(?P<word>a)(?P=word)', 'x').test('aa'))
    assert.throws(() => pythonRegex('(?x) a', 'f:3'), /f:3: unsupported regular expression flag \(\?x\)/)
    assert.throws(() => pythonRegex('(unclosed', 'f:4'), /f:4: invalid regular expression/)
  })

  it('accepts an empty file as no cases', () => {
    assert.deepEqual(parseSuite('', 'suite.yaml'), [])
  })

  it('names the file and line of unknown keys and wrong types', () => {
    refuses('https://a.example:\n- path: /\n  assert_stauts: 200\n', /^suite\.yaml:3: unknown key "assert_stauts"/)
    refuses(
      'https://a.example:\n- path: /\n  assert_status: "200"\n',
      /^suite\.yaml:3: assert_status must be a whole number/,
    )
    refuses(
      'https://a.example:\n- path: /\n\n  assert_headers: [a, b]\n',
      /^suite\.yaml:4: assert_headers must be a mapping/,
    )
    refuses(
      'https://a.example:\n- path: /\n  assert_headers_absent: Set-Cookie\n',
      /^suite\.yaml:3: assert_headers_absent must be a list/,
    )
    refuses(
      'https://a.example:\n- path: /\n  request_headers:\n    X-A: [1]\n',
      /^suite\.yaml:4: request_headers\.X-A must be a string/,
    )
    refuses('https://a.example:\n- method: GET\n', /^suite\.yaml:2: a test case needs "path"/)
    refuses('https://a.example:\n- path: v2/\n', /^suite\.yaml:2: path "v2\/" must start with \//)
    refuses('https://a.example:\n- path: /\n  assert_body_regex: "(x"\n', /^suite\.yaml:2: invalid regular expression/)
  })

  it('names the line of a bad top-level key, a non-list value and YAML syntax errors', () => {
    refuses('a.example:\n- path: /\n', /^suite\.yaml:1: top-level key "a\.example" is not http:\/\/NAME/)
    refuses('https://a.example:\n- path: /\nhttps://b.example/x:\n- path: /\n', /^suite\.yaml:3: top-level key/)
    refuses('https://a.example:\n  path: /\n', /^suite\.yaml:2: the test cases of https:\/\/a\.example must be a list/)
    refuses('https://a.example:\n- path: /\n  method: [GET\n', /^suite\.yaml:\d+: invalid YAML/)
    refuses('https://a.example:\n- path: /\nhttps://a.example:\n- path: /x\n', /^suite\.yaml:3: invalid YAML/)
    refuses('- path: /\n', /^suite\.yaml:1: expected a mapping/)
  })
})
