import {strict as assert} from 'node:assert'

import nock from 'nock'

import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import type {S3Parameters} from '../../../src/lib/stores/config.js'
import {S3Reader} from '../../../src/lib/stores/s3.js'
import type {ListPage} from '../../../src/lib/stores/storage.js'
import {useNock} from '../../helpers/nock.js'

const ENDPOINT = 'http://s3.test:9000'
const SECRET = 's3-secret-0b6f'
const parameters: S3Parameters = {
  accesskey: 'AKIDTEST',
  secretkey: SECRET,
  region: 'eu-west-1',
  regionendpoint: ENDPOINT,
  bucket: 'images',
  rootdirectory: '/prod/',
}

function reader(overrides: Partial<S3Parameters> = {}): S3Reader {
  return new S3Reader({...parameters, ...overrides}, {retryBaseMs: 1, retryMaxMs: 20, retries: 2, env: {}})
}

function listing(keys: string[], options: {prefixes?: string[]; next?: string} = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>images</Name><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys>
<IsTruncated>${options.next ? 'true' : 'false'}</IsTruncated>${options.next ? `<NextContinuationToken>${options.next}</NextContinuationToken>` : ''}
${keys.map((key) => `<Contents><Key>${key}</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified><ETag>"x"</ETag><Size>0${key.length}</Size></Contents>`).join('')}
${(options.prefixes ?? []).map((prefix) => `<CommonPrefixes><Prefix>${prefix}</Prefix></CommonPrefixes>`).join('')}
</ListBucketResult>`
}

function error(code: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>m</Message></Error>`
}

async function collect(pages: AsyncIterable<ListPage>): Promise<ListPage[]> {
  const found: ListPage[] = []
  for await (const page of pages) found.push(page)
  return found
}

describe('gc/s3 reader', () => {
  useNock()

  it('signs with SigV4 and lists path-style with continuation tokens, under rootdirectory', async () => {
    const api = nock(ENDPOINT)
      .matchHeader(
        'authorization',
        /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
      )
      .matchHeader('x-amz-content-sha256', /^[0-9a-f]{64}$/)
    api
      .get('/images/')
      .query({'list-type': '2', prefix: 'prod/docker/'})
      .reply(200, listing(['prod/docker/a', 'prod/docker/007'], {next: 'token/+=1'}))
    api
      .get('/images/')
      .query({'list-type': '2', prefix: 'prod/docker/', 'continuation-token': 'token/+=1'})
      .reply(200, listing(['prod/docker/z']))
    const pages = await collect(reader().list('docker/'))
    assert.deepEqual(
      pages.map((page) => page.objects.map((object) => object.key)),
      [['docker/a', 'docker/007'], ['docker/z']],
    )
    // Keys and sizes stay strings of digits: no number parsing of "007".
    assert.equal(pages[0]!.objects[0]!.size, 'prod/docker/a'.length)
    assert.equal(pages[0]!.objects[0]!.modified, Date.parse('2024-01-02T03:04:05.000Z'))
  })

  it('gives common prefixes with a delimiter, and an empty listing as one empty page', async () => {
    nock(ENDPOINT)
      .get('/images/')
      .query({'list-type': '2', prefix: 'prod/docker/', delimiter: '/'})
      .reply(200, listing([], {prefixes: ['prod/docker/blobs/', 'prod/docker/repositories/']}))
      .get('/images/')
      .query({'list-type': '2', prefix: 'prod/empty/'})
      .reply(200, listing([]))
    const [page] = await collect(reader().list('docker/', {delimiter: true}))
    assert.deepEqual(page!.prefixes, ['docker/blobs/', 'docker/repositories/'])
    assert.deepEqual(await collect(reader().list('empty/')), [{objects: [], prefixes: []}])
  })

  it('waits out SlowDown (503) and gives up after the retries with exit code 9', async () => {
    nock(ENDPOINT)
      .get('/images/')
      .query(true)
      .reply(503, error('SlowDown'))
      .get('/images/')
      .query(true)
      .reply(200, listing(['prod/k']))
    assert.equal((await collect(reader().list('')))[0]!.objects[0]!.key, 'k')
    nock(ENDPOINT).get('/images/').query(true).times(3).reply(503, error('SlowDown'))
    await assert.rejects(
      collect(reader().list('')),
      (e: RegistryCtlError) => e.exitCode === ExitCode.REGISTRY && /s3 answered 503 SlowDown/.test(e.message),
    )
  })

  it('reads and sizes objects by key, escaping what S3 escapes', async () => {
    nock(ENDPOINT)
      .get('/images/prod/docker/registry/v2/repositories/a%2Bb/_manifests/tags/v1/current/link')
      .reply(200, 'sha256:abc')
      .head('/images/prod/x')
      .reply(200, '', {'content-length': '1234'})
      .head('/images/prod/gone')
      .reply(404)
    const s3 = reader()
    assert.equal(
      (await s3.read('docker/registry/v2/repositories/a+b/_manifests/tags/v1/current/link'))!.toString(),
      'sha256:abc',
    )
    assert.equal((await s3.stat('x'))!.size, 1234)
    assert.equal(await s3.stat('gone'), undefined)
  })

  it('tells wrong credentials (exit 5), a missing bucket (exit 7) and a denial (exit 6) in one line, never the secret', async () => {
    for (const code of ['InvalidAccessKeyId', 'SignatureDoesNotMatch']) {
      nock(ENDPOINT).get('/images/').query(true).reply(403, error(code))

      await assert.rejects(
        reader().check(),
        (e: RegistryCtlError) =>
          e.exitCode === ExitCode.UNAUTHORIZED &&
          e.message === `s3 at ${ENDPOINT} refused the credentials (${code})` &&
          !e.message.includes(SECRET),
      )
    }

    nock(ENDPOINT).get('/images/').query(true).reply(404, error('NoSuchBucket'))
    await assert.rejects(
      reader().check(),
      (e: RegistryCtlError) => e.exitCode === ExitCode.NOT_FOUND && /s3 bucket images does not exist/.test(e.message),
    )
    nock(ENDPOINT).get('/images/').query(true).reply(403, error('AccessDenied'))
    await assert.rejects(
      reader().check(),
      (e: RegistryCtlError) =>
        e.exitCode === ExitCode.DENIED && /denied a listing in bucket images \(AccessDenied\)/.test(e.message),
    )
  })

  it('uses https and the regional endpoint by default, and the AWS_* variables when the config has no keys', async () => {
    nock('https://s3.eu-west-1.amazonaws.com')
      .matchHeader('authorization', /Credential=AKIDENV\//)
      .matchHeader('x-amz-security-token', 'session')
      .get('/images/')
      .query(true)
      .reply(200, listing([]))
    const s3 = new S3Reader(
      {region: 'eu-west-1', bucket: 'images'},
      {env: {AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'x', AWS_SESSION_TOKEN: 'session'}},
    )
    await s3.check()
    assert.throws(
      () => new S3Reader({region: 'eu-west-1', bucket: 'images'}, {env: {}}),
      (e: RegistryCtlError) => e.exitCode === ExitCode.USAGE && /needs accesskey and secretkey/.test(e.message),
    )
  })
})
