/**
 * Cleanup policies: a YAML file of rules, validated against a JSON Schema (ajv) before any request.
 * Every error names the line it is on (the yaml package keeps each node's source range), and all
 * errors are reported at once, so a policy is fixed in one round.
 *
 *   registry: registry.example.org
 *   max-delete: 500                       # the whole plan; --max-delete overrides
 *   rules:
 *     - name: ci-builds
 *       repositories: ["team/*"]          # include globs (fnmatch); exclude-repositories: [...]
 *       tags: ["*"]                       # include globs; exclude-tags: [...]
 *       protect: ["latest", "stable"]     # never deleted, whatever else matches
 *       keep: 10                          # the N newest of what the rule selects, per repository
 *       older-than: 90d                   # only images created longer ago than this
 *       siblings: block                   # block | keep | include, as in delete-tags
 *       max-delete: 200                   # this rule may delete at most N tags
 */
import {readFile} from 'node:fs/promises'

import {Ajv, type ErrorObject} from 'ajv'
import {isMap, LineCounter, type Node, parseDocument} from 'yaml'

import type {SiblingPolicy} from '../deletion/plan.js'
import {parseDuration} from '../duration.js'
import {UsageError} from '../errors.js'
import {parseRegistry} from '../registry/reference.js'

export interface CleanupRule {
  name: string
  repositories: string[]
  'exclude-repositories'?: string[]
  tags: string[]
  'exclude-tags'?: string[]
  protect?: string[]
  keep?: number
  'older-than'?: string
  siblings?: SiblingPolicy
  'max-delete'?: number
}

export interface CleanupPolicy {
  registry?: string
  'max-delete'?: number
  rules: CleanupRule[]
}

/** A rule as the planner uses it: durations parsed, defaults applied. */
export interface ResolvedRule {
  name: string
  repositories: string[]
  excludeRepositories: string[]
  tags: string[]
  excludeTags: string[]
  protect: string[]
  keep?: number
  olderThanMs?: number
  olderThan?: string
  siblings: SiblingPolicy
  maxDelete?: number
}

const globs = {type: 'array', items: {type: 'string', minLength: 1}, minItems: 1} as const
const DURATION = '^(?:[0-9]+[smhdw])+$'

export const POLICY_SCHEMA = {
  $id: 'https://registryctl/cleanup-policy.json',
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    registry: {type: 'string', minLength: 1},
    'max-delete': {type: 'integer', minimum: 0},
    rules: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'repositories', 'tags'],
        properties: {
          name: {type: 'string', minLength: 1},
          repositories: globs,
          'exclude-repositories': globs,
          tags: globs,
          'exclude-tags': globs,
          protect: globs,
          keep: {type: 'integer', minimum: 0},
          'older-than': {type: 'string', pattern: DURATION},
          siblings: {enum: ['block', 'keep', 'include']},
          'max-delete': {type: 'integer', minimum: 0},
        },
      },
    },
  },
} as const

let validator: ReturnType<Ajv['compile']> | undefined

function validate(value: unknown): ErrorObject[] {
  validator ??= new Ajv({allErrors: true, strict: true}).compile(POLICY_SCHEMA)
  return validator(value) ? [] : [...(validator.errors ?? [])]
}

export class PolicyError extends UsageError {
  constructor(
    readonly file: string,
    readonly problems: Array<{line?: number; message: string}>,
  ) {
    const listed = problems.map((problem) => `${file}:${problem.line ?? 1}: ${problem.message}`)
    super(problems.length === 1 ? listed[0]! : `${problems.length} errors in the policy: ${listed.join('; ')}`)
  }
}

/** `/rules/0/keep` → ['rules', 0, 'keep'] (JSON Pointer, with ~0 and ~1 unescaped). */
function pointerPath(pointer: string): Array<string | number> {
  if (!pointer) return []
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part))
}

/** `rules[0].older-than` for messages. */
function describePath(path: Array<string | number>): string {
  return (
    path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('') ||
    'the policy'
  )
}

function describeError(error: ErrorObject): string {
  const where = describePath(pointerPath(error.instancePath))
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as {additionalProperty: string}).additionalProperty
      return `unknown key "${key}" in ${where}`
    }

    case 'required': {
      return `${where} needs "${(error.params as {missingProperty: string}).missingProperty}"`
    }

    case 'enum': {
      return `${where} must be one of ${(error.params as {allowedValues: string[]}).allowedValues.join(', ')}`
    }

    case 'pattern': {
      return `${where} must be a duration: a number and a unit (s, m, h, d, w), e.g. 90d or 1w3d`
    }

    default: {
      return `${where} ${error.message ?? 'is invalid'}`
    }
  }
}

export function parsePolicy(text: string, file = 'policy'): CleanupPolicy {
  const lines = new LineCounter()
  const document = parseDocument(text, {lineCounter: lines, uniqueKeys: true, prettyErrors: false})
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line)
  if (document.errors.length > 0) {
    throw new PolicyError(
      file,
      document.errors.map((error) => ({line: lineOf(error.pos[0]), message: error.message.split('\n')[0]!})),
    )
  }

  const value = document.toJS() as unknown
  const nodeAt = (path: Array<string | number>): Node | undefined => {
    const node = path.length === 0 ? document.contents : document.getIn(path, true)
    return node && typeof node === 'object' && 'range' in (node as object) ? (node as Node) : undefined
  }

  const problems: Array<{line?: number; message: string}> = []
  for (const error of validate(value)) {
    const path = pointerPath(error.instancePath)
    let line = lineOf(nodeAt(path)?.range?.[0])
    if (error.keyword === 'additionalProperties') {
      // Point at the unknown key itself, not at the start of its mapping.
      const map = nodeAt(path)
      const key = (error.params as {additionalProperty: string}).additionalProperty
      if (map && isMap(map)) {
        const pair = map.items.find((item) => (item.key as {value?: unknown} | null)?.value === key)
        const keyNode = pair?.key as Node | undefined
        line = lineOf(keyNode?.range?.[0]) ?? line
      }
    }

    problems.push({line, message: describeError(error)})
  }

  if (problems.length === 0) {
    const policy = value as CleanupPolicy
    const seen = new Map<string, number>()
    policy.rules.forEach((rule, index) => {
      const line = lineOf(nodeAt(['rules', index, 'name'])?.range?.[0])
      if (seen.has(rule.name))
        problems.push({
          line,
          message: `rule name "${rule.name}" is used twice (rules[${seen.get(rule.name)}] and rules[${index}])`,
        })
      seen.set(rule.name, index)
    })
    if (policy.registry) {
      try {
        parseRegistry(policy.registry)
      } catch (error) {
        problems.push({
          line: lineOf(nodeAt(['registry'])?.range?.[0]),
          message: `registry: ${(error as Error).message}`,
        })
      }
    }
  }

  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    throw new PolicyError(file, problems)
  }

  return value as CleanupPolicy
}

export async function readPolicy(path: string): Promise<CleanupPolicy> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read policy ${path}: ${(error as Error).message}`, {cause: error})
  }

  return parsePolicy(text, path)
}

export function resolveRules(policy: CleanupPolicy): ResolvedRule[] {
  return policy.rules.map((rule) => ({
    name: rule.name,
    repositories: rule.repositories,
    excludeRepositories: rule['exclude-repositories'] ?? [],
    tags: rule.tags,
    excludeTags: rule['exclude-tags'] ?? [],
    protect: rule.protect ?? [],
    keep: rule.keep,
    olderThan: rule['older-than'],
    olderThanMs: rule['older-than'] === undefined ? undefined : parseDuration(rule['older-than']),
    siblings: rule.siblings ?? 'block',
    maxDelete: rule['max-delete'],
  }))
}
