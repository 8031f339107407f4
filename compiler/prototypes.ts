// The compiler builds its trees, tables and options as plain objects and arrays, and reads them by
// name and by index. A property planted on Object.prototype or Array.prototype (prototype pollution
// elsewhere in the host: a deep merge fed `{"__proto__": {...}}`) is read wherever one of them lacks
// that member: a planted `stopAfter` ended the compile with no bundle and no diagnostic, `value` sent
// the backend's bounds into endless recursion (W0901), `key` and `0` made compilePolicy reject with
// a RangeError or a TypeError. No reading of the compiler's own objects can be made safe from that
// one name at a time, so a compile does not run in such a host: compilePolicy (and the background
// compiler) answer with W0904, naming the property, as the runtime refuses every request while the
// prototypes carry an enumerable property (runtime/request.ts).
//
// Planted is:
//   * on Object.prototype, any property (enumerable or not, a symbol too) a pristine one does not
//     have: none is added there by Node or by the usual polyfills;
//   * on Array.prototype, an enumerable property, an element (an index, which a hole or an index past
//     the end reads), a symbol other than Symbol.iterator and Symbol.unscopables, or a property that
//     is not a method (nor `length`, its own): polyfills add methods (a function, not enumerable),
//     which the compiler does not call, and they are taken.
// Nothing planted is called or read by value here (a getter is not run): only the prototypes' own
// keys and descriptors are looked at.

import { pollutedPrototypeKey } from "../runtime/request.js";
import { type Diagnostic, error, quotedName } from "./diagnostics.js";

/** Object.prototype's own properties in ECMAScript (with Annex B's `__proto__` and accessor methods). */
const PRISTINE_OBJECT_PROTOTYPE: ReadonlySet<string> = new Set([
  "constructor",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "toString",
  "valueOf",
  "__proto__",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
]);

/** The symbols Array.prototype has in ECMAScript. */
const PRISTINE_ARRAY_SYMBOLS: ReadonlySet<symbol> = new Set([Symbol.iterator, Symbol.unscopables]);

/** A key that reads as an element of an array (an index, which ECMAScript writes in decimal without leading zeros). */
const INDEX = /^(?:0|[1-9][0-9]*)$/;

/** A property planted on a prototype: where, its key as the message shows it, and what makes it planted. */
export interface PlantedProperty {
  readonly holder: "Object.prototype" | "Array.prototype";
  readonly key: string | symbol;
  readonly what: "enumerable property" | "enumerable element" | "property" | "element";
}

/** The first property planted on Object.prototype or Array.prototype, and how many there are; undefined in a pristine host. */
export function plantedProperties(): { readonly first: PlantedProperty; readonly count: number } | undefined {
  // counted, not listed: a push onto an array of its own would meet an element planted on
  // Array.prototype without being writable, and throw
  let first: PlantedProperty | undefined;
  let count = 0;
  const found = (p: PlantedProperty): void => {
    first ??= p;
    count++;
  };
  // what every `for…in` over a plain object or an array would meet, as the runtime looks for it
  // (named first, and not again where it is found below)
  const enumerable = pollutedPrototypeKey();
  const onArray = enumerable !== undefined && Object.hasOwn(Array.prototype, enumerable);
  if (enumerable !== undefined)
    found({ holder: onArray ? "Array.prototype" : "Object.prototype", key: enumerable, what: INDEX.test(enumerable) ? "enumerable element" : "enumerable property" });
  for (const key of Reflect.ownKeys(Object.prototype)) {
    if ((key === enumerable && !onArray) || (typeof key === "string" && PRISTINE_OBJECT_PROTOTYPE.has(key))) continue;
    found({ holder: "Object.prototype", key, what: typeof key === "string" && INDEX.test(key) ? "element" : "property" });
  }
  for (const key of Reflect.ownKeys(Array.prototype)) {
    if (key === enumerable && onArray) continue;
    if (typeof key === "symbol") {
      if (!PRISTINE_ARRAY_SYMBOLS.has(key)) found({ holder: "Array.prototype", key, what: "property" });
    } else if (INDEX.test(key)) {
      found({ holder: "Array.prototype", key, what: "element" });
    } else if (key !== "length" && !isMethod(Object.getOwnPropertyDescriptor(Array.prototype, key))) {
      found({ holder: "Array.prototype", key, what: "property" });
    }
  }
  return first === undefined ? undefined : { first, count };
}

/**
 * A method as ECMAScript and polyfills define them: a function held as a value, not enumerable. The
 * descriptor is read by its own members: it is a plain object, whose missing `get` would read as
 * what a polluted Object.prototype holds.
 */
function isMethod(d: PropertyDescriptor | undefined): boolean {
  if (d === undefined) return true; // (gone since the keys were listed)
  return d.enumerable === false && Object.hasOwn(d, "value") && typeof d.value === "function";
}

/** The code of the diagnostic a compile in a polluted host answers with. */
export const POLLUTED_PROTOTYPES = "W0904";

/**
 * W0904 when the prototypes carry a planted property, naming it (the first, and how many more),
 * else undefined. It points at the start of the text: the policy is not at fault.
 */
export function pollutionDiagnostic(): Diagnostic | undefined {
  const planted = plantedProperties();
  if (planted === undefined) return undefined;
  const { first, count } = planted;
  const more = count > 1 ? `, and ${count - 1} more planted propert${count === 2 ? "y" : "ies"}` : "";
  return error(
    POLLUTED_PROTOTYPES,
    `${first.holder} carries the ${first.what} \`${quotedName(String(first.key))}\`${more} (prototype pollution): the compiler's own objects would read it where they lack a member, so nothing was compiled`,
    { start: 0, end: 0 },
    `remove what was planted (a deep merge or an assignment fed \`{"__proto__": …}\` plants it) and compile again`,
  );
}
