"""Verify a Writ authorization artifact without Writ: the steps of docs/artifacts.md
("Verifying an artifact in another language") in Python, with the `cryptography` package.

usage: python3 verify_artifact.py <artifact> <issuer.public.jwk> <request.json> <module.wasm>
Prints the statement as JSON and exits 0, or prints the reason and exits 1.
"""
import base64
import hashlib
import json
import sys
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64u(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def thumbprint(jwk: dict) -> str:
    members = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()


def canonical(value) -> bytes:
    # RFC 8785 for requests of objects, arrays, strings, booleans, null and safe integers with BMP keys
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def verify(token: str, jwk: dict, request, wasm: bytes) -> dict:
    h, p, s = token.strip().split(".")
    header = json.loads(b64u(h))
    if header.get("alg") != "EdDSA" or header.get("typ") != "writ-authz+jws":
        raise ValueError(f"bad header {header}")
    if header.get("kid") != jwk["kid"] or thumbprint(jwk) != jwk["kid"]:
        raise ValueError("unknown key")
    try:
        Ed25519PublicKey.from_public_bytes(b64u(jwk["x"])).verify(b64u(s), f"{h}.{p}".encode("ascii"))
    except InvalidSignature:
        raise ValueError("bad signature")
    st = json.loads(b64u(p))
    now = time.time()
    if not (st["iat"] - 30 <= now < st["exp"] + 30):
        raise ValueError("expired or not yet valid")
    module = (hashlib.sha3_512(wasm).hexdigest(), hashlib.blake2b(wasm, digest_size=64).hexdigest())
    if (st["policy"]["sha3_512"], st["policy"]["blake2b_512"]) != module:
        raise ValueError("untrusted policy")
    if hashlib.sha3_512(canonical(request)).hexdigest() != st["request"]["sha3_512"]:
        raise ValueError("request mismatch")
    return st


if __name__ == "__main__":
    token_file, jwk_file, request_file, wasm_file = sys.argv[1:5]
    try:
        statement = verify(
            open(token_file).read(),
            json.load(open(jwk_file)),
            json.load(open(request_file)),
            open(wasm_file, "rb").read(),
        )
    except ValueError as e:
        print(f"refused: {e}")
        sys.exit(1)
    print(json.dumps(statement))
