"""Verify Writ authorization artifacts without Writ, with the Python verifier docs/artifacts.md gives
("Verifying an artifact in another language" for a compact JWS, continued under "Batched
artifacts", "Verifying one offline", for a batched artifact). Those code blocks are read from the
docs and run as they stand, so the code the docs show is the code the tests run (with `python3 -O`
too, which drops `assert` statements): the two cannot drift apart. A token that begins with `{`
(past the spaces and line ends the verifiers take away) is a batched artifact, as for verifyArtifact.

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
import re
import sys
import types
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "artifacts.md"
COMPACT = "\n## Verifying an artifact in another language\n"
BATCHED = "\n### Verifying one offline\n"


def first_block(text: str, heading: str) -> str:
    """The first Python code block of the docs' section under `heading`, up to the next heading (`## `
    or deeper: a comment in a code block begins with one `#`)."""
    if heading not in text:
        raise SystemExit(f"{DOCS} has no section{heading.rstrip()}")
    section = re.split(r"\n#{2,6} ", text.split(heading, 1)[1], maxsplit=1)[0]
    if "```python\n" not in section:
        raise SystemExit(f"{DOCS}: the section{heading.rstrip()} has no Python code block")
    return section.split("```python\n", 1)[1].split("\n```", 1)[0]


def docs_verifier() -> types.ModuleType:
    """The docs' compact verifier, and the batched one run after it in the same module (it continues it)."""
    text = DOCS.read_text("utf-8")
    module = types.ModuleType("writ_verify")
    for heading in (COMPACT, BATCHED):
        exec(compile(first_block(text, heading), f"{DOCS} (Python example,{heading.rstrip()})", "exec"), module.__dict__)
    return module


w = docs_verifier()


def verifier(token):
    """The docs' verifier for the kind of artifact `token` is: batched when it begins with `{`."""
    return w.verify_batched if isinstance(token, str) and token.strip(" \t\r\n").startswith("{") else w.verify


def read_json(path: str, what: str):
    with open(path, "rb") as f:
        return w.strict_json(f.read(), what)


def verdict(case: dict, request, modules: set, now: float) -> dict:
    try:
        if "jwk" in case:
            kid, key = w.public_key(case["jwk"])
        else:
            kid, key = case["kid"], bytes.fromhex(case["x"])
        return {"ok": True, "statement": verifier(case["token"])(case["token"], {kid: key}, modules, request, now=now)}
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
        statement = verifier(token)(token, {kid: key}, modules, read_json(request_file, "the request"))
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
