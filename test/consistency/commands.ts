/**
 * Every registryctl command, and how to run it against one registry (test/helpers/production.ts):
 * the consistency tests run each behaviour that cuts across commands through this one table, so a
 * behaviour cannot be true of some commands and forgotten by others. A command missing here fails
 * test/consistency/table.test.ts; a behaviour test iterates over the kinds it applies to.
 */
import {existsSync} from 'node:fs'
import {mkdtemp, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {RecoveryRecord} from '../../src/lib/deletion/recovery.js'
import {Session} from '../../src/lib/registry/client.js'
import {type CliResult, runCli} from '../helpers/cli.js'
import {USERS} from '../helpers/production.js'

/**
 * What a command does to a registry, which decides the behaviours it must show:
 * - local: reads or writes local files only (config, logout);
 * - login: verifies credentials with the registry, then stores them;
 * - read: reads one repository (or one reference);
 * - walk: reads every repository of the catalog (partial access applies);
 * - delete: plans, asks and deletes (preflight, prompt, exit codes apply);
 * - probe: talks to registry nodes as a monitoring check (smoke);
 * - restore: puts back what a deletion recorded (push rights, preflight, interruption apply).
 */
export type CommandKind = 'local' | 'login' | 'read' | 'walk' | 'delete' | 'probe' | 'restore'

export interface Target {
  /** host[:port] the command is pointed at (a front, a node, or the registry through a proxy). */
  host: string
  /** A folder for the files a command needs (policy, output). */
  dir: string
  /** The connection flags the target needs (e.g. --ca-file for a TLS front). */
  connection: string[]
  /** Who may write: anyone (a node's own port), Basic-auth realms (the front), nobody (read-only front). */
  writes: 'open' | 'realms' | 'read-only'
}

export interface CommandCase {
  /** oclif's id: `gc status`, not `gc:status`. */
  id: string
  kinds: CommandKind[]
  /** A typical, harmless run against `target` (deleting commands run with --dry-run). */
  argv(target: Target): Promise<string[]>
}

/** An anonymous session for the target (reads are open), trusting its CA when it has one. */
function sessionFor(target: Target): Session {
  const ca = target.connection.indexOf('--ca-file')
  return new Session({ignoreDockerConfig: true, caFile: ca === -1 ? undefined : target.connection[ca + 1]})
}

/** The digest of a sample tag, read anonymously from the target. */
async function digestOf(target: Target, name: string, tag: string): Promise<string> {
  return (await sessionFor(target).client({host: target.host}).resolve(name, tag)).digest
}

export const COMMANDS: CommandCase[] = [
  {id: 'config', kinds: ['local'], argv: async (t) => ['config', t.host]},
  {id: 'logout', kinds: ['local'], argv: async (t) => ['logout', t.host]},
  {id: 'login', kinds: ['login'], argv: async (t) => ['login', t.host, ...t.connection]},
  {id: 'resolve', kinds: ['read'], argv: async (t) => ['resolve', `${t.host}/team/app:stable`, ...t.connection]},
  {id: 'inspect', kinds: ['read'], argv: async (t) => ['inspect', `${t.host}/team/app:stable`, ...t.connection]},
  {id: 'list-tags', kinds: ['read'], argv: async (t) => ['list-tags', `${t.host}/team/app`, ...t.connection]},
  {id: 'list-images', kinds: ['walk'], argv: async (t) => ['list-images', t.host, ...t.connection]},
  {id: 'gc status', kinds: ['walk'], argv: async (t) => ['gc', 'status', t.host, ...t.connection]},
  {
    id: 'homepage',
    kinds: ['walk'],
    argv: async (t) => ['homepage', t.host, '--out', join(t.dir, 'homepage'), ...t.connection],
  },
  {
    id: 'cleanup',
    kinds: ['walk', 'delete'],
    async argv(t) {
      const policy = join(t.dir, `cleanup-${t.host.replaceAll(/\W/g, '_')}.yaml`)
      await writeFile(
        policy,
        `registry: ${t.host}\nrules:\n  - name: old-app\n    repositories: ["*"]\n    tags: ["2021-*"]\n`,
      )
      return ['cleanup', policy, '--dry-run', '--lock-dir', join(t.dir, 'locks'), ...t.connection]
    },
  },
  {
    id: 'delete-tags',
    kinds: ['delete'],
    argv: async (t) => ['delete-tags', `${t.host}/team/app:2021-03-*`, '--dry-run', ...t.connection],
  },
  {
    id: 'delete-manifest',
    kinds: ['delete'],
    argv: async (t) => [
      'delete-manifest',
      `${t.host}/team/app@${await digestOf(t, 'team/app', '2021-03-02-101010-production')}`,
      '--dry-run',
      ...t.connection,
    ],
  },
  {
    id: 'restore',
    kinds: ['restore'],
    async argv(t) {
      // A record of team/app:stable as it is now: restoring it finds the tag on its recorded image.
      // Written once per target, so that every run of the case shows the same record (its run id).
      const records = join(t.dir, `records-${t.host.replaceAll(/\W/g, '_')}`)
      if (!existsSync(records)) {
        const record = RecoveryRecord.open(records)
        try {
          await record.capture(sessionFor(t).client({host: t.host}), {
            name: 'team/app',
            digest: await digestOf(t, 'team/app', 'stable'),
            tags: ['stable'],
          })
        } finally {
          record.close()
        }
      }

      return ['restore', `${t.host}/team/app:stable`, '--dry-run', '--record-dir', records, ...t.connection]
    },
  },
  {
    id: 'smoke',
    kinds: ['probe'],
    async argv(t) {
      const scheme = t.connection.includes('--ca-file') ? 'https' : 'http'
      const writes = t.writes === 'open' ? ['--open'] : t.writes === 'read-only' ? ['--read-only'] : []
      return [
        'smoke',
        '--registry-suite',
        '--hosts',
        t.host,
        '--image',
        'team/app:stable',
        '--scheme',
        scheme,
        ...writes,
        ...t.connection,
      ]
    },
  },
]

export const commandsOfKind = (kind: CommandKind) => COMMANDS.filter((command) => command.kinds.includes(kind))

/**
 * Runs a case's argv as a user would, in `dir`: login gets the push account and its password on
 * stdin, with a docker config of its own (so it stores nothing where other runs read); every other
 * command an empty stdin.
 */
export async function runCase(argv: string[], env: NodeJS.ProcessEnv, dir: string): Promise<CliResult> {
  if (argv[0] !== 'login') return runCli(argv, {input: '', env})
  const dockerConfig = await mkdtemp(join(dir, 'login-'))
  return runCli([...argv, '--username', USERS.push.username, '--password-stdin'], {
    input: USERS.push.password,
    env: {...env, DOCKER_CONFIG: dockerConfig},
  })
}
