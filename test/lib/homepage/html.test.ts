import {strict as assert} from 'node:assert'

import {escapeHtml, html, joinHtml} from '../../../src/lib/homepage/html.js'

describe('homepage html', () => {
  it('escapes every character that can end text or a quoted attribute', () => {
    assert.equal(
      escapeHtml(`<a href="x" onclick='y'>&\`</a>`),
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    )
  })

  it('escapes interpolated strings and numbers, passes fragments built with html, drops empty values', () => {
    const name = '"><script>alert(1)</script>'
    const inner = html`<b>${name}</b>`
    const out = html`<a title="${name}">${inner}${undefined}${null}${false}${3}</a>`.toString()
    assert.equal(
      out,
      '<a title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"><b>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</b>3</a>',
    )
    assert.ok(!out.includes('<script>'))
  })

  it('joins fragments and arrays, escaping strings among them', () => {
    assert.equal(joinHtml([html`<i>a</i>`, '<b>'], ', ').toString(), '<i>a</i>, &lt;b&gt;')
    assert.equal(html`<ul>${['<x>', html`<li>y</li>`]}</ul>`.toString(), '<ul>&lt;x&gt;<li>y</li></ul>')
  })
})
