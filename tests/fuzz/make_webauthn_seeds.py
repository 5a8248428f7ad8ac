#!/usr/bin/env python3
"""Writes the seed corpora of the WebAuthn harnesses (cbor, authdata, cose, attestation) with
the tests' independent software authenticator (tests/integration/webauthn_soft.py): real
ES256 and EdDSA registrations, packed self and basic attestation, and edge cases. Run it from
the repository root when a harness's input format changes; the seeds are committed."""

import hashlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from webauthn_soft import AttestationCA, Authenticator, cbor  # noqa: E402

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus"
CLIENT_DATA_HASH = hashlib.sha256(b"mfad fuzz clientDataJSON").digest()


def write(harness, name, data):
    d = CORPUS / harness
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def rsa_cose():
    n = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
    return cbor({1: 3, 3: -257, -1: n.n.to_bytes(256, "big"), -2: n.e.to_bytes(3, "big")})


def main():
    es256, eddsa = Authenticator(alg=-7), Authenticator(alg=-8)
    for a in (es256, eddsa):
        a.cred_id = bytes(range(32))  # deterministic ids; keys differ per run, which is fine
    ca = AttestationCA()
    leaf_key, chain = ca.leaf(aaguid=es256.aaguid)

    def attestation(auth, fmt, stmt_for):
        ad = auth.auth_data(0x05, attested=True)
        return cbor({"fmt": fmt, "attStmt": stmt_for(ad), "authData": ad})

    sign = lambda auth: lambda ad: {"alg": auth.alg, "sig": auth.sign(ad + CLIENT_DATA_HASH)}  # noqa
    write("attestation", "none_es256", attestation(es256, "none", lambda ad: {}))
    write("attestation", "packed_self_es256", attestation(es256, "packed", sign(es256)))
    write("attestation", "packed_self_eddsa", attestation(eddsa, "packed", sign(eddsa)))
    basic = lambda ad: {"alg": -7, "x5c": list(chain),  # noqa: E731
                        "sig": leaf_key.sign(ad + CLIENT_DATA_HASH, ec.ECDSA(hashes.SHA256()))}
    write("attestation", "packed_basic_x5c", attestation(es256, "packed", basic))
    write("attestation", "fido_u2f_refused", attestation(es256, "fido-u2f", lambda ad: {}))

    write("authdata", "assertion", es256.auth_data(0x05))
    write("authdata", "registration_es256", es256.auth_data(0x05, attested=True))
    write("authdata", "registration_eddsa", eddsa.auth_data(0x45, attested=True))
    write("authdata", "extensions_flag", es256.auth_data(0x85) + cbor({"credProtect": 2}))
    write("authdata", "short", es256.auth_data(0x05)[:36])

    write("cose", "es256", es256.cose() + b"message" + b"\x30\x06\x02\x01\x01\x02\x01\x01")
    write("cose", "eddsa", eddsa.cose() + b"m" * 8 + b"s" * 64)
    write("cose", "rs256", rsa_cose() + b"message" + os.urandom(256))
    write("cose", "unknown_alg", cbor({1: 2, 3: -36, -1: 3, -2: b"x" * 66, -3: b"y" * 66}))

    for name in ("none_es256", "packed_basic_x5c"):
        write("cbor", name, (CORPUS / "attestation" / name).read_bytes())
    write("cbor", "cose_es256", es256.cose())
    write("cbor", "nested_arrays", b"\x81" * 9 + b"\x00")          # one level past the bound
    write("cbor", "duplicate_keys", b"\xa2\x01\x00\x01\x00")
    write("cbor", "indefinite_length", b"\x9f\x01\xff")
    write("cbor", "trailing_bytes", b"\x01\x02")
    write("cbor", "huge_length", b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff")
    write("cbor", "scalars", cbor([0, 23, 24, 255, 256, 65536, 2**32, -1, -25, True, False,
                                   "t\u00e9xt", b"\x00\xff"]) + b"")
    write("cbor", "null", b"\xf6")


if __name__ == "__main__":
    main()
