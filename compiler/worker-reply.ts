// The diagnostics of a background compile as they cross the thread boundary and come out of the
// cache. Every diagnostic of a compile names its file (driver.ts), the one string the caller gave as
// `fileName`: in the compiling thread they all hold it by reference, once. A structured clone
// (postMessage, structuredClone) does not share strings, though: it copies the name once for each
// diagnostic. 20,000 diagnostics of a file named in 150,000 characters held 3,000,000,000 characters
// of names, and V8 aborted the host, out of memory, while taking in the reply, before any bound of
// the cache could look at it; each caller's copy was as large again. So the name is sent as a
// marker, and put back by reference on the host's side, from the host's own copy: the reply holds
// it no times, the cache and each caller's copy once.

import type { Diagnostic } from "./diagnostics.js";

/** Where a sent diagnostic's `file` is the compile's own file: the host has its name. */
const COMPILED_FILE = null;

/** A diagnostic as it is sent and cached: `file` is COMPILED_FILE where it names the compile's own file. */
export type SentDiagnostic = Omit<Diagnostic, "file"> & { readonly file?: string | typeof COMPILED_FILE };

/**
 * `diagnostics` to be sent: each naming `fileName` (the compile's file) names it by COMPILED_FILE
 * instead, in the same place among its members; one naming another file, or none, is as it was.
 */
export function sentDiagnostics(diagnostics: readonly Diagnostic[], fileName: string): SentDiagnostic[] {
  return diagnostics.map((d) => (d.file === fileName ? { ...d, file: COMPILED_FILE } : d));
}

/** Whether any of `sent` names the compile's own file, by the marker. */
export function namesCompiledFile(sent: readonly SentDiagnostic[]): boolean {
  return sent.some((d) => d.file === COMPILED_FILE);
}

/**
 * A caller's own copy of sent or cached diagnostics: cloned, so that what one caller changes the
 * next does not see, with `fileName` (the host's copy of the compile's file name) put back by
 * reference, shared by all of them, where the worker left its marker.
 */
export function diagnosticsFor(sent: readonly SentDiagnostic[], fileName: string): Diagnostic[] {
  const copy: { file?: string | typeof COMPILED_FILE }[] = structuredClone(sent as SentDiagnostic[]);
  // assigned in place, the name keeps its place among the members: the copy is compilePolicy's to the key order
  for (const d of copy) if (d.file === COMPILED_FILE) d.file = fileName;
  return copy as Diagnostic[];
}
