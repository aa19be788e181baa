/**
 * Text a registry controls (tag and repository names, error messages, dates and platform fields of
 * image configs, response bodies), made safe to print on a terminal or in a log: C0 and C1 control
 * characters (ESC, BEL, CR, newline…) become visible `\xHH` escapes. They can then neither drive the
 * terminal (an OSC title, a cleared screen) nor forge output (a newline followed by a report line).
 */
export function printable(text: string): string {
  return text.replaceAll(
    /[\u0000-\u001F\u007F-\u009F]/g,
    (character) => `\\x${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  )
}
