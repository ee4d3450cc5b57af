/**
 * Text placed inside an HTML <script> element. The HTML parser ends the element at the first
 * `</script` whatever the script's own syntax says, and `<!--` switches it into a mode where a
 * later `<script` changes where it ends; a cell's reason or output can contain either.
 */

/**
 * JSON for `<script type="application/json">`: every `<` becomes `\u003c`, which JSON.parse reads
 * back as `<`, so no tag can start inside. U+2028/U+2029 are escaped too: they end a line for
 * some readers of the page's source.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * A JavaScript program (a bundled library, our client code) for an inline <script>. `</` becomes
 * `<\/`: inside a string or a regular expression `\/` still means `/`, and in a comment it is
 * harmless. `<!--` has no such rewrite that is valid everywhere (`\!` is an error in a unicode
 * regular expression), so a program containing it is refused rather than silently broken.
 */
export function scriptCode(js: string): string {
  if (js.includes('<!--')) throw new Error('script text contains <!--, which would change where its <script> element ends');
  return js.replace(/<\//g, '<\\/');
}

/** CSS for an inline <style>: only `</style` can end it. */
export function styleText(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}
