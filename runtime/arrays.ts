// Appending one array to another, and the largest of many numbers, without spreading an array into
// a call's arguments: each argument takes a slot of the JavaScript stack, so `push(...items)` or
// `Math.max(...items)` of some 40,000 to 130,000 items (where depends on the stack left) throws a
// RangeError. The compiler appends and reduces what a policy decides the length of (diagnostics, a
// record's fields, a literal's elements, the lines of generated source) through these, and the
// module reader what a module does.

/** Appends `items` to `to`, in order; returns `to`. */
export function append<T>(to: T[], items: Iterable<T>): T[] {
  for (const item of items) to.push(item);
  return to;
}

/** The largest of `numbers`, or `least` when it is larger or there are none (a NaN among them: NaN). */
export function largest(numbers: Iterable<number>, least = -Infinity): number {
  let most = least;
  for (const n of numbers) most = Math.max(most, n);
  return most;
}
