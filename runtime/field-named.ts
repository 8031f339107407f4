// A record's field by its name. The compiler looks a field up at each read of it and at each field
// of a layout or schema it walks beside another: searching the fields every time made its work grow
// with their product, minutes for a schema of tens of thousands of fields read by one rule. The
// index of a list of fields is made once, the first time a field of it is looked for; lists of
// fields are not changed once made, and one found longer than when it was indexed is indexed again.

interface Named {
  readonly name: string;
}

/** Up to this many fields a search is as quick as an index, and makes none. */
const SEARCHED_FIELDS = 8;

const indexes = new WeakMap<readonly Named[], { readonly length: number; readonly byName: ReadonlyMap<string, Named> }>();

/** The first of `fields` named `name` (as `fields.find((f) => f.name === name)`), or undefined. */
export function fieldNamed<F extends Named>(fields: readonly F[], name: string): F | undefined {
  if (fields.length <= SEARCHED_FIELDS) return fields.find((f) => f.name === name);
  let index = indexes.get(fields);
  if (index?.length !== fields.length) {
    const byName = new Map<string, Named>();
    for (const f of fields) if (!byName.has(f.name)) byName.set(f.name, f);
    index = { length: fields.length, byName };
    indexes.set(fields, index);
  }
  return index.byName.get(name) as F | undefined;
}

const nameLists = new WeakMap<readonly Named[], readonly string[]>();

/** The names of `fields`, in their order: one list for each list of fields, made once. */
export function fieldNames(fields: readonly Named[]): readonly string[] {
  let names = nameLists.get(fields);
  if (names?.length !== fields.length) {
    names = fields.map((f) => f.name);
    nameLists.set(fields, names);
  }
  return names;
}
