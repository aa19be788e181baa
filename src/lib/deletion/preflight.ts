/**
 * The checks a destructive run makes before its prompt and before anything is touched (and that every
 * --dry-run makes too): deletes enabled, the registry writable, and the credentials at hand accepted
 * for deleting (and pushing, when tags are moved onto placeholders) wherever the plan deletes.
 */
import type {RegistryClient} from '../registry/client.js'
import type {DeletionPlan} from './plan.js'

/** One repository to probe, and whether pushing there must be checked too. */
export interface WriteProbe {
  name: string
  push: boolean
}

/**
 * Fronts give credentials per path prefix (nginx: `/v2/restricted/` has realms of its own), so one
 * repository per top-level namespace stands for all of that namespace: a plan over 500 repositories
 * in two namespaces costs two probes, not 500. A name without a namespace is its own.
 */
const namespaceOf = (name: string) => (name.includes('/') ? `${name.slice(0, name.indexOf('/'))}/` : name)

/** The probes for plans that delete (blocked images alone touch nothing and need none). */
export function writeProbes(plans: readonly DeletionPlan[]): WriteProbe[] {
  const probes = new Map<string, WriteProbe>()
  for (const plan of plans) {
    const active = plan.digests.filter((digest) => digest.action !== 'blocked')
    if (active.length === 0) continue
    const push = active.some((digest) => digest.action === 'untag')
    const namespace = namespaceOf(plan.name)
    const known = probes.get(namespace)
    // Pushing is checked where it is needed: the namespace's first repository that moves tags.
    if (!known) probes.set(namespace, {name: plan.name, push})
    else if (push && !known.push) probes.set(namespace, {name: plan.name, push})
  }

  return [...probes.values()]
}

/** Throws the typed error (8 deletes disabled or read-only, 5 or 6 credentials) of the first refusal. */
export async function preflightPlans(client: RegistryClient, plans: readonly DeletionPlan[]): Promise<void> {
  for (const probe of writeProbes(plans)) {
    await client.probeDelete(probe.name)
    // Moving tags onto placeholders needs push rights; checked before the first tag is moved.
    if (probe.push) await client.probePush(probe.name)
  }
}
