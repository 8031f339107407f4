// Reading what an object holds, not what it inherits. A member an object lacks reads, by name, as
// whatever Object.prototype holds under that name: a property planted there — enumerable or not
// (`Object.defineProperty` plants one that no `for…in` sees) — would stand in for what is missing.
// The readers here answer what the object itself holds, and undefined for what it does not.
//
// They compare what they read with what the prototype answers, and only when the two are the same
// ask whether the object owns the member: a member equal to the prototype's answer that the object
// does own is its own. (A getter planted on a prototype that answers differently each time it is
// read is code run on purpose, not planted data; no reader is safe from it, as none is from a
// replaced `Object.hasOwn`.)

/** What a member an object lacks reads by name (for a plain object). */
const OBJECT_PROTOTYPE: Readonly<Record<string, unknown>> = Object.prototype as unknown as Record<string, unknown>;

/**
 * `obj[key]`, read once; undefined when what it read is what Object.prototype holds under `key` and
 * `obj` does not own `key`. A member a class defines (a getter on its prototype) is read as it is;
 * only Object.prototype's answer is no member.
 */
export function ownMember(obj: object, key: string): unknown {
  const v = (obj as Record<string, unknown>)[key];
  return v !== undefined && v === OBJECT_PROTOTYPE[key] && !Object.hasOwn(obj, key) ? undefined : v;
}
