// A file replaced by a path with a `..` after a symbolic link to a directory (`link/../f.txt`) is the
// file the system opens by that path, beside the link's target; where that file is itself a link,
// the write lands on the file it leads to, as for any path. Node's realpathSync takes the `..` away
// by text before following links, and followed the `f.txt` beside `link` instead: the write landed
// on another file than the one named (or was refused, as through a link to nothing, where none was).

import { lstatSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { replaceFile } from "../../runtime/file-write.js";
import { tempDir } from "../support/temp-dir.js";

describe.runIf(process.platform !== "win32")("a file replaced through `link/../`", () => {
  it("that is a link itself: writes the file it leads to, beside the link's target, and keeps the link", () => {
    const s = realpathSync(tempDir("file-write-dotdot"));
    mkdirSync(join(s, "far", "target"), { recursive: true });
    symlinkSync(join(s, "far", "target"), join(s, "link"));
    writeFileSync(join(s, "far", "real.txt"), "old");
    symlinkSync("real.txt", join(s, "far", "f.txt"));
    // a file of that name beside the link, which `resolve` would name
    writeFileSync(join(s, "real.txt"), "beside the link");
    symlinkSync("real.txt", join(s, "f.txt"));
    replaceFile(`${join(s, "link")}/../f.txt`, "new");
    expect(readFileSync(join(s, "far", "real.txt"), "utf8")).toBe("new");
    expect(lstatSync(join(s, "far", "f.txt")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(s, "real.txt"), "utf8")).toBe("beside the link");
  });
});
