// Failures of the process's surroundings rather than of writ or of what it was given: the working
// directory removed from under it, no file descriptor left to open the next of writ's own modules
// with. Each is said in one line, exit 1, as any other refusal is: not as an internal error, with a
// stack trace no one can act on. writ.ts says EMFILE and ENFILE while main.ts is still loading, in a
// copy of these words (it can import no file of writ's); test/cli/environment-failures.test.ts
// checks the two agree.

/** What `e` says of the process's surroundings, in words, or undefined when it is no such failure. */
export function environmentFailure(e: unknown): string | undefined {
  if (cwdGone(e)) return CWD_GONE_TEXT;
  const code = errnoCode(e);
  if (code === "EMFILE") return "too many open files (EMFILE): the limit on open files (`ulimit -n`) is too low for writ to open the files it runs from and reads";
  if (code === "ENFILE") return "too many open files in the system (ENFILE): no file can be opened until others are closed";
  return undefined;
}

/** Why a relative path names nothing, said once, the same wherever it was met. */
export const CWD_GONE_TEXT = "the current directory no longer exists: a relative path names nothing (cd to a directory that exists, or give absolute paths)";

/** `e` is what asking for the working directory throws once it has been removed. */
export function cwdGone(e: unknown): boolean {
  return errnoCode(e) === "ENOENT" && (e as NodeJS.ErrnoException).syscall === "uv_cwd";
}

function errnoCode(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  try {
    const code = (e as NodeJS.ErrnoException).code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined; // a getter or a Proxy that throws is no system error
  }
}
