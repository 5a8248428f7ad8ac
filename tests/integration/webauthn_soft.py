"""A software WebAuthn authenticator + client for integration tests, independent of the C++
one: Python `cryptography` keys (ES256, Ed25519), a tiny CBOR encoder, fmt "none" or "packed"
self attestation, real assertion signatures, and knobs to bend origin, rp id, flags, counter."""

import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def cbor(v):
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * size):
                return bytes([major << 5 | info]) + n.to_bytes(size, "big")
        raise ValueError(n)

    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        e = v.encode()
        return head(3, len(e)) + e
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(type(v))


class Authenticator:
    def __init__(self, alg=-7, rp_id="example.com", origin="https://app.example.com"):
        self.alg = alg
        self.rp_id = rp_id
        self.origin = origin
        self.key = ed25519.Ed25519PrivateKey.generate() if alg == -8 else ec.generate_private_key(ec.SECP256R1())
        self.cred_id = os.urandom(32)
        self.counter = 0

    def cose(self):
        pub = self.key.public_key()
        if self.alg == -8:
            raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return cbor({1: 1, 3: -8, -1: 6, -2: raw})
        nums = pub.public_numbers()
        return cbor({1: 2, 3: -7, -1: 1, -2: nums.x.to_bytes(32, "big"), -3: nums.y.to_bytes(32, "big")})

    def sign(self, msg):
        if self.alg == -8:
            return self.key.sign(msg)
        return self.key.sign(msg, ec.ECDSA(hashes.SHA256()))

    def client_data(self, typ, challenge_b64u, origin=None):
        return json.dumps({"type": typ, "challenge": challenge_b64u,
                           "origin": origin or self.origin}).encode()

    def auth_data(self, flags, rp_id=None, attested=False):
        a = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        a += bytes([flags | (0x40 if attested else 0)]) + self.counter.to_bytes(4, "big")
        if attested:
            a += b"\0" * 16 + len(self.cred_id).to_bytes(2, "big") + self.cred_id + self.cose()
        return a

    def create(self, options, flags=0x05, origin=None, rp_id=None, packed=False):
        cdj = self.client_data("webauthn.create", options["challenge"], origin)
        ad = self.auth_data(flags, rp_id, attested=True)
        stmt = {}
        if packed:
            stmt = {"alg": self.alg, "sig": self.sign(ad + hashlib.sha256(cdj).digest())}
        att = cbor({"fmt": "packed" if packed else "none", "attStmt": stmt, "authData": ad})
        return {"id": b64u(self.cred_id), "rawId": b64u(self.cred_id), "type": "public-key",
                "response": {"clientDataJSON": b64u(cdj), "attestationObject": b64u(att),
                             "transports": ["usb"]}}

    def get(self, options, flags=0x05, origin=None, rp_id=None, step=True, tamper=False):
        if step:
            self.counter += 1
        cdj = self.client_data("webauthn.get", options["challenge"], origin)
        ad = self.auth_data(flags, rp_id)
        sig = self.sign(ad + hashlib.sha256(cdj).digest())
        if tamper:
            ad = ad[:32] + bytes([ad[32] ^ 0x04]) + ad[33:]
        return {"id": b64u(self.cred_id), "rawId": b64u(self.cred_id), "type": "public-key",
                "response": {"clientDataJSON": b64u(cdj), "authenticatorData": b64u(ad),
                             "signature": b64u(sig), "userHandle": None}}
