/** Runs Debian's `docker-registry garbage-collect --dry-run` and parses what it prints. */
import {spawnSync} from 'node:child_process'

export interface CollectorOutput {
  ok: boolean
  marked: number
  blobsEligible: number
  manifestsEligible: number
  eligibleBlobs: string[]
  eligibleManifests: string[]
  output: string
}

export function collectorDryRun(configPath: string, deleteUntagged: boolean): CollectorOutput {
  const args = ['garbage-collect', '--dry-run', ...(deleteUntagged ? ['--delete-untagged'] : []), configPath]
  // The s3 driver (aws-sdk-go) dies at start when AWS_CA_BUNDLE is set.
  const {AWS_CA_BUNDLE: _ignored, ...env} = process.env
  const result = spawnSync('docker-registry', args, {encoding: 'utf8', env, maxBuffer: 1 << 28})
  const output = `${result.stdout}${result.stderr}`
  const summary = /(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion/.exec(output)
  return {
    ok: result.status === 0,
    marked: Number(summary?.[1] ?? Number.NaN),
    blobsEligible: Number(summary?.[2] ?? Number.NaN),
    manifestsEligible: Number(summary?.[3] ?? Number.NaN),
    eligibleBlobs: [...output.matchAll(/blob eligible for deletion: (\S+)/g)].map((m) => m[1]!).sort(),
    eligibleManifests: [...output.matchAll(/manifest eligible for deletion: (\S+)/g)].map((m) => m[1]!).sort(),
    output,
  }
}
