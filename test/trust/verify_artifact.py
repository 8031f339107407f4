"""Verify Writ authorization artifacts without Writ, with the Python verifier docs/artifacts.md gives
("Verifying an artifact in another language"). That code block is read from the docs and run as it
stands, so the code the docs show is the code the tests run (with `python3 -O` too, which drops
`assert` statements): the two cannot drift apart.

usage:
  python3 verify_artifact.py <artifact> <issuer.public.jwk> <request.json> <module.wasm>
      Prints the statement as JSON and exits 0, or prints `refused (<code>): <reason>` and exits 1.
  python3 verify_artifact.py --each <request.json> <module.wasm> <now>   (cases on standard input)
      Cases: a JSON list of {"token", "jwk"} (the issuer's key, read by public_key) or
      {"token", "kid", "x"} (key bytes in hex, handed to verify as they are), judged at <now>
      (seconds since the epoch). Prints a JSON list of verdicts, {"ok": true, "statement"} or
      {"ok": false, "code", "message"}.
  python3 verify_artifact.py --canonical   (JSON texts on standard input, as a JSON list)
      Prints a JSON list of their RFC 8785 canonical forms, null for a text that has none.
"""
import json
import sys
import types
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "artifacts.md"
SECTION = "\n## Verifying an artifact in another language\n"


def docs_verifier() -> types.ModuleType:
    """The first Python code block of the docs' section, run as a module of its own."""
    text = DOCS.read_text("utf-8")
    if SECTION not in text:
        raise SystemExit(f"{DOCS} has no section{SECTION.rstrip()}")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    if "```python\n" not in section:
        raise SystemExit(f"{DOCS}: the section has no Python code block")
    code = section.split("```python\n", 1)[1].split("\n```", 1)[0]
    module = types.ModuleType("writ_verify")
    exec(compile(code, f"{DOCS} (Python example)", "exec"), module.__dict__)
    return module


w = docs_verifier()


def read_json(path: str, what: str):
    with open(path, "rb") as f:
        return w.strict_json(f.read(), what)


def verdict(case: dict, request, modules: set, now: float) -> dict:
    try:
        if "jwk" in case:
            kid, key = w.public_key(case["jwk"])
        else:
            kid, key = case["kid"], bytes.fromhex(case["x"])
        return {"ok": True, "statement": w.verify(case["token"], {kid: key}, modules, request, now=now)}
    except w.Refused as refusal:
        return {"ok": False, "code": refusal.code, "message": str(refusal)}


def each(request_file: str, wasm_file: str, now: str) -> None:
    request = read_json(request_file, "the request")
    modules = {w.module_digests(Path(wasm_file).read_bytes())}
    cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    print(json.dumps([verdict(case, request, modules, float(now)) for case in cases]))


def canonical_forms() -> None:
    out = []
    for text in json.loads(sys.stdin.buffer.read().decode("utf-8")):
        try:
            form = w.canonical_bytes(w.strict_json(text.encode("utf-8"), "text"))
        except w.Refused:
            form = None
        out.append(None if form is None else form.decode("utf-8"))
    print(json.dumps(out))


def one(token_file: str, jwk_file: str, request_file: str, wasm_file: str) -> int:
    try:
        try:
            token = Path(token_file).read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise w.Refused("malformed", "the artifact file is not UTF-8 text") from None
        kid, key = w.public_key(read_json(jwk_file, "the issuer key"))
        modules = {w.module_digests(Path(wasm_file).read_bytes())}
        statement = w.verify(token, {kid: key}, modules, read_json(request_file, "the request"))
    except w.Refused as refusal:
        print(f"refused ({refusal.code}): {refusal}")
        return 1
    print(json.dumps(statement))
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--each"] and len(args) == 4:
        each(*args[1:])
    elif args == ["--canonical"]:
        canonical_forms()
    elif len(args) == 4:
        sys.exit(one(*args))
    else:
        sys.exit(__doc__)
