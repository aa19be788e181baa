/**
 * HTML with escaping by construction. Every string that reaches a page (repository names, tags,
 * platforms: registry-provided, so attacker-controlled in principle) is interpolated through the
 * `html` tag, which escapes it for text and for quoted attribute values alike; only fragments that
 * were themselves built with `html` pass through unescaped. There is no other way to add markup.
 */
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char]!)
}

/** A fragment of markup that is already safe. Only `html` and `joinHtml` create one. */
export class SafeHtml {
  private constructor(readonly markup: string) {}

  /** @internal */
  static of(markup: string): SafeHtml {
    return new SafeHtml(markup)
  }

  toString(): string {
    return this.markup
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | undefined | null | HtmlValue[]

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return ''
  if (value instanceof SafeHtml) return value.markup
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/** Tagged template: `html\`<a href="${url}">${name}</a>\`` escapes `url` and `name`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) markup += render(values[i]!) + (strings[i + 1] ?? '')
  return SafeHtml.of(markup)
}

export function joinHtml(parts: HtmlValue[], separator = ''): SafeHtml {
  return SafeHtml.of(parts.map(render).join(escapeHtml(separator)))
}
