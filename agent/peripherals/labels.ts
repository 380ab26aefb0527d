// Label values from device-provided text (printer, supply, scanner and USB product names). Such text
// is whatever a driver or a user typed: control characters, endless names, two printers with the
// same name after tidying. Every value is tidied, capped and made unique, and the number of series a
// probe emits per kind is capped too, so one odd machine cannot flood Prometheus.

/** Control characters and runs of whitespace become one space; empty text becomes the fallback. */
export function labelText(value: string, fallback: string, maxLength = 64): string {
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim();
  // Cut by code points, not UTF-16 units, so a Chinese name is never left with half a surrogate pair.
  return [...(clean || fallback)].slice(0, maxLength).join('');
}

/** Tidied, unique labels in input order: a repeated name gains " (2)", " (3)" … within the cap. */
export function uniqueLabels(values: readonly string[], fallback: (i: number) => string, maxLength = 64): string[] {
  const used = new Set<string>();
  return values.map((v, i) => {
    const base = labelText(v, fallback(i), maxLength);
    let label = base;
    for (let n = 2; used.has(label); n++) {
      const suffix = ` (${n})`;
      label = [...base].slice(0, maxLength - suffix.length).join('') + suffix;
    }
    used.add(label);
    return label;
  });
}
