"""A software WebAuthn authenticator + client for integration tests, independent of the C++
one: Python `cryptography` keys (ES256, Ed25519), a tiny CBOR encoder, fmt "none" or "packed"
self attestation, or packed basic attestation with an x5c chain from `AttestationCA` (a test CA
issuing WebAuthn 8.2.1 leaves, or deliberately broken ones), real assertion signatures, and
knobs to bend origin, rp id, flags, counter."""

import base64
import datetime
import hashlib
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID, ObjectIdentifier

AAGUID_OID = ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4")  # id-fido-gen-ce-aaguid


def _name(cn, ou=None):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mfad tests")]
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


class AttestationCA:
    """A self-signed test root issuing packed attestation leaves (WebAuthn 8.2.1)."""

    def __init__(self, cn="mfad test attestation root"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (x509.CertificateBuilder()
                     .subject_name(_name(cn)).issuer_name(_name(cn))
                     .public_key(self.key.public_key())
                     .serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(hours=1))
                     .not_valid_after(now + datetime.timedelta(days=30))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                     .sign(self.key, hashes.SHA256()))

    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def leaf(self, aaguid=b"\0" * 16, ou="Authenticator Attestation", ca=False):
        """(leaf private key, [leaf DER]) for Authenticator.create(x5c=...)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        # The extension value is the DER of an OCTET STRING holding the 16-byte AAGUID.
        ext = x509.UnrecognizedExtension(AAGUID_OID, b"\x04\x10" + aaguid)
        cert = (x509.CertificateBuilder()
                .subject_name(_name("mfad test authenticator", ou))
                .issuer_name(self.cert.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(hours=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
                .add_extension(ext, False)
                .sign(self.key, hashes.SHA256()))
        return key, [cert.public_bytes(serialization.Encoding.DER)]


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
        self.aaguid = b"\0" * 16
        self.user_handle = None  # base64url user.id of the last create()

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
            a += self.aaguid + len(self.cred_id).to_bytes(2, "big") + self.cred_id + self.cose()
        return a

    def create(self, options, flags=0x05, origin=None, rp_id=None, packed=False, x5c=None):
        """x5c: (leaf key, [DER certificates]) from AttestationCA.leaf(): packed basic
        attestation signed by the leaf (ES256); the AAGUID in authData is self.aaguid."""
        self.user_handle = options.get("user", {}).get("id")
        cdj = self.client_data("webauthn.create", options["challenge"], origin)
        ad = self.auth_data(flags, rp_id, attested=True)
        stmt = {}
        if x5c is not None:
            leaf_key, chain = x5c
            sig = leaf_key.sign(ad + hashlib.sha256(cdj).digest(), ec.ECDSA(hashes.SHA256()))
            stmt = {"alg": -7, "sig": sig, "x5c": list(chain)}
            packed = True
        elif packed:
            stmt = {"alg": self.alg, "sig": self.sign(ad + hashlib.sha256(cdj).digest())}
        att = cbor({"fmt": "packed" if packed else "none", "attStmt": stmt, "authData": ad})
        return {"id": b64u(self.cred_id), "rawId": b64u(self.cred_id), "type": "public-key",
                "response": {"clientDataJSON": b64u(cdj), "attestationObject": b64u(att),
                             "transports": ["usb"]}}

    def get(self, options, flags=0x05, origin=None, rp_id=None, step=True, tamper=False,
            user_handle=None):
        """user_handle: True sends the handle stored at create() (a discoverable credential
        answering a usernameless login), a string sends that one, None sends null."""
        if step:
            self.counter += 1
        cdj = self.client_data("webauthn.get", options["challenge"], origin)
        ad = self.auth_data(flags, rp_id)
        sig = self.sign(ad + hashlib.sha256(cdj).digest())
        if tamper:
            ad = ad[:32] + bytes([ad[32] ^ 0x04]) + ad[33:]
        return {"id": b64u(self.cred_id), "rawId": b64u(self.cred_id), "type": "public-key",
                "response": {"clientDataJSON": b64u(cdj), "authenticatorData": b64u(ad),
                             "signature": b64u(sig),
                "userHandle": self.user_handle if user_handle is True else user_handle}}
