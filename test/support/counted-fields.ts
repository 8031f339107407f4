// Counts the work of looking fields up. Every list named `fields` reachable from an object (a schema,
// a layout, an IR record type) is put back as a Proxy of itself that counts the reads of its
// elements: a search of the fields reads them one by one, an index reads each once. Objects keep
// their identity (the lists are replaced in place), so what is shared stays shared.

export interface FieldReads {
  /** the elements of field lists read so far */
  readonly reads: number;
}

export function countFieldReads(...roots: object[]): FieldReads {
  const counter = { reads: 0 };
  const seen = new Set<object>();
  const visit = (x: unknown): void => {
    if (typeof x !== "object" || x === null || seen.has(x)) return;
    seen.add(x);
    for (const [key, value] of Object.entries(x)) {
      visit(value);
      if (key === "fields" && Array.isArray(value)) {
        const counted = new Proxy(value, {
          get(target, p, receiver) {
            if (typeof p === "string" && /^(0|[1-9]\d*)$/.test(p)) counter.reads++;
            return Reflect.get(target, p, receiver);
          },
        });
        (x as { fields: unknown }).fields = counted;
        seen.add(counted);
      }
    }
  };
  for (const root of roots) visit(root);
  return counter;
}
