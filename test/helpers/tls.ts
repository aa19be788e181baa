/** Throwaway PKI for tests: a CA and server certificates, made with openssl. */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export interface Pki {
  dir: string
  caCert: string
  serverCert: string
  serverKey: string
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, {cwd, stdio: ['ignore', 'ignore', 'pipe']})
}

/** A CA and a server certificate for the given names (DNS names and IP addresses). */
export function makePki(names: string[]): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'registryctl-pki-'))
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=registryctl test CA',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    ],
    dir,
  )
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${names[0]}`, '-keyout', 'server.key', '-out', 'server.csr'],
    dir,
  )
  const san = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',')
  writeFileSync(
    join(dir, 'ext.cnf'),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  )
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
      '-out',
      'server.pem',
    ],
    dir,
  )
  return {dir, caCert: join(dir, 'ca.pem'), serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server.key')}
}

/** A self-signed RSA certificate and key (the token issuer's), as PEM strings and paths. */
export function makeSigningCertificate(): {certPath: string; keyPem: string; certDer: Buffer} {
  const dir = mkdtempSync(join(tmpdir(), 'registryctl-issuer-'))
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=registryctl test token issuer',
      '-keyout',
      'issuer.key',
      '-out',
      'issuer.pem',
    ],
    dir,
  )
  openssl(['x509', '-in', 'issuer.pem', '-outform', 'der', '-out', 'issuer.der'], dir)
  return {
    certPath: join(dir, 'issuer.pem'),
    keyPem: readFileSync(join(dir, 'issuer.key'), 'utf8'),
    certDer: readFileSync(join(dir, 'issuer.der')),
  }
}

/** An htpasswd line nginx accepts (apr1). */
export function htpasswdLine(user: string, password: string): string {
  const hash = execFileSync('openssl', ['passwd', '-apr1', password], {encoding: 'utf8'}).trim()
  return `${user}:${hash}`
}
