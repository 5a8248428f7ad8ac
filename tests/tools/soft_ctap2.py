#!/usr/bin/python3
"""A software FIDO2 authenticator (CTAP 2.0 + the makeCredUvNotRqd option of 2.1) that real
libfido2 can talk to, for testing mfad's local security keys on hosts without /dev/uhid.

Transport: a SOCK_SEQPACKET Unix socket; each message is one raw 64-byte CTAPHID report (CTAP
2.1 section 11.2.4), the form mfad's fido2.device "unix:/path" speaks (daemon/src/fido/fido_unix_io.cc).
Implemented: CTAPHID INIT, PING, CBOR, CANCEL, WINK, KEEPALIVE (UPNEEDED while "waiting for a
touch"), ERROR; authenticatorGetInfo, MakeCredential (packed self attestation, ES256 and
EdDSA, excludeList), GetAssertion (allowList, up, pinAuth -> UV), ClientPIN protocol 1
(getRetries, getKeyAgreement, getPINToken). Credentials are kept in --state (JSON), so the
process can be restarted with other flags between test steps and keep its keys and counter.

Simulations: --touch ok (default: touched at once) | deny (CTAP2_ERR_OPERATION_DENIED) |
timeout (KEEPALIVE UPNEEDED until the client gives up) | remove (pulled out while waiting for
the touch: the connection closes and the process exits). A key "removed" before the login is
simply a stopped process: the socket is gone. --pin sets a PIN (then clientPin is true).
--algs eddsa,es256 chooses what getInfo offers. --log FILE appends one JSON line per CTAP
command, written before answering.

  tests/tools/soft_ctap2.py --socket /tmp/key.sock --state /tmp/key.json [--pin 1234]
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

REPORT = 64
BROADCAST = 0xFFFFFFFF
# CTAPHID commands (CTAP 2.1 section 11.2.9)
PING, MSG, INIT, WINK, CBOR = 0x01, 0x03, 0x06, 0x08, 0x10
CANCEL, KEEPALIVE, ERROR = 0x11, 0x3B, 0x3F
CAP_WINK, CAP_CBOR = 0x01, 0x04
# CTAP status codes (section 8.2)
OK = 0x00
ERR_INVALID_COMMAND, ERR_INVALID_PARAMETER, ERR_INVALID_LENGTH, ERR_INVALID_SEQ = 1, 2, 3, 4
ERR_INVALID_CHANNEL, ERR_INVALID_CBOR, ERR_MISSING_PARAMETER = 0x0B, 0x12, 0x14
ERR_CREDENTIAL_EXCLUDED, ERR_UNSUPPORTED_ALGORITHM, ERR_OPERATION_DENIED = 0x19, 0x26, 0x27
ERR_UNSUPPORTED_OPTION, ERR_KEEPALIVE_CANCEL, ERR_NO_CREDENTIALS = 0x2B, 0x2D, 0x2E
ERR_USER_ACTION_TIMEOUT, ERR_PIN_INVALID, ERR_PIN_BLOCKED = 0x2F, 0x31, 0x32
ERR_PIN_AUTH_INVALID, ERR_PIN_NOT_SET = 0x33, 0x35
ALG_ES256, ALG_EDDSA = -7, -8
AAGUID = bytes.fromhex("6d666164736f66746374617032000001")  # "mfadsoftctap2" + 1
PIN_RETRIES = 8


# ---- CBOR (RFC 8949), the subset CTAP uses; maps encoded in CTAP2 canonical order --------
def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError("integer too large")


def cbor_enc(v):
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, bytes):
        return _head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return _head(3, len(b)) + b
    if isinstance(v, (list, tuple)):
        return _head(4, len(v)) + b"".join(cbor_enc(x) for x in v)
    if isinstance(v, dict):
        items = sorted(((cbor_enc(k), cbor_enc(x)) for k, x in v.items()),
                       key=lambda kv: (len(kv[0]), kv[0]))
        return _head(5, len(items)) + b"".join(k + x for k, x in items)
    raise TypeError(type(v))


def cbor_dec(data, i=0, depth=0):
    if depth > 16:
        raise ValueError("too deep")
    ib = data[i]
    major, ai = ib >> 5, ib & 31
    i += 1
    if ai < 24:
        n = ai
    elif ai in (24, 25, 26, 27):
        size = 1 << (ai - 24)
        n = int.from_bytes(data[i:i + size], "big")
        i += size
    else:
        raise ValueError("indefinite lengths are not CTAP2 canonical")
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major in (2, 3):
        raw = data[i:i + n]
        if len(raw) != n:
            raise ValueError("truncated")
        return (raw if major == 2 else raw.decode()), i + n
    if major == 4:
        out = []
        for _ in range(n):
            x, i = cbor_dec(data, i, depth + 1)
            out.append(x)
        return out, i
    if major == 5:
        out = {}
        for _ in range(n):
            k, i = cbor_dec(data, i, depth + 1)
            x, i = cbor_dec(data, i, depth + 1)
            out[k] = x
        return out, i
    if major == 7:
        return {20: False, 21: True, 22: None}[ai], i
    raise ValueError("unsupported CBOR item")


# ---- keys -------------------------------------------------------------------------------
def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def cose_public(key, alg):
    if alg == ALG_EDDSA:
        x = key.public_key().public_bytes(serialization.Encoding.Raw,
                                          serialization.PublicFormat.Raw)
        return {1: 1, 3: ALG_EDDSA, -1: 6, -2: x}
    nums = key.public_key().public_numbers()
    return {1: 2, 3: ALG_ES256, -1: 1, -2: nums.x.to_bytes(32, "big"),
            -3: nums.y.to_bytes(32, "big")}


def sign(key, alg, data):
    if alg == ALG_EDDSA:
        return key.sign(data)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def new_key(alg):
    if alg == ALG_EDDSA:
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def key_load(pem):
    return serialization.load_pem_private_key(pem.encode(), None)


def aes_cbc(key, data, decrypt=False):
    c = Cipher(algorithms.AES(key), modes.CBC(b"\0" * 16))
    op = c.decryptor() if decrypt else c.encryptor()
    return op.update(data) + op.finalize()


class Cancelled(Exception):
    pass


class Gone(Exception):
    pass


class Authenticator:
    def __init__(self, args):
        self.args = args
        self.state_path = args.state
        self.state = {"creds": {}, "counter": 0, "pin_retries": PIN_RETRIES}
        if self.state_path and os.path.exists(self.state_path):
            with open(self.state_path) as f:
                self.state = json.load(f)
        self.algs = [ALG_EDDSA if a == "eddsa" else ALG_ES256 for a in args.algs.split(",")]
        self.pin_hash = hashlib.sha256(args.pin.encode()).digest()[:16] if args.pin else None
        self.ka_key = ec.generate_private_key(ec.SECP256R1())  # ClientPIN key agreement
        self.pin_token = os.urandom(32)
        self.next_cid = 1
        self.conn = None

    def save(self):
        if not self.state_path:
            return
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state, f)
        os.replace(tmp, self.state_path)

    def log(self, **event):
        if self.args.log:
            with open(self.args.log, "a") as f:
                f.write(json.dumps(event) + "\n")
                f.flush()

    # ---- CTAPHID framing -------------------------------------------------------------
    def send(self, cid, cmd, payload):
        first = struct.pack(">IBH", cid, 0x80 | cmd, len(payload)) + payload[:REPORT - 7]
        self.conn.send(first.ljust(REPORT, b"\0"))
        rest, seq = payload[REPORT - 7:], 0
        while rest:
            self.conn.send((struct.pack(">IB", cid, seq) + rest[:REPORT - 5]).ljust(REPORT, b"\0"))
            rest, seq = rest[REPORT - 5:], seq + 1

    def recv_report(self, timeout=None):
        self.conn.settimeout(timeout)
        try:
            r = self.conn.recv(REPORT)
        except socket.timeout:
            return None
        if not r:
            raise Gone()
        return r.ljust(REPORT, b"\0")

    def recv_message(self):
        """One whole CTAPHID message: (cid, cmd, payload)."""
        r = self.recv_report()
        cid, cmd, n = struct.unpack(">IBH", r[:7])
        if not cmd & 0x80:
            return cid, None, b""  # a stray continuation packet: ignored
        data, seq = r[7:7 + n], 0
        while len(data) < n:
            c = self.recv_report()
            ccid, cseq = struct.unpack(">IB", c[:5])
            if ccid != cid or cseq != seq:
                self.send(cid, ERROR, bytes([ERR_INVALID_SEQ]))
                return cid, None, b""
            data += c[5:5 + n - len(data)]
            seq += 1
        return cid, cmd & 0x7F, data

    def wait_touch(self, cid):
        """User presence: 'ok' = touched after one KEEPALIVE; 'deny' = refused; 'timeout' =
        KEEPALIVE(UPNEEDED) until the client cancels or hangs up."""
        self.send(cid, KEEPALIVE, b"\x02")
        mode = self.args.touch
        if mode == "ok":
            return OK
        if mode == "remove":  # pulled out while it blinks: the socket goes away mid-request
            self.log(command="removed")
            os.unlink(self.args.socket)
            self.conn.close()
            os._exit(0)
        if mode == "deny":
            time.sleep(0.2)
            return ERR_OPERATION_DENIED
        deadline = time.monotonic() + self.args.user_timeout
        while time.monotonic() < deadline:
            r = self.recv_report(timeout=0.1)
            if r is not None and r[4] == 0x80 | CANCEL:
                return ERR_KEEPALIVE_CANCEL
            self.send(cid, KEEPALIVE, b"\x02")
        return ERR_USER_ACTION_TIMEOUT

    # ---- CTAP2 commands ----------------------------------------------------------------
    def get_info(self, _params, _cid):
        opts = {"rk": False, "up": True, "plat": False, "clientPin": self.pin_hash is not None,
                "makeCredUvNotRqd": True}
        return OK, {1: ["FIDO_2_0"], 3: AAGUID, 4: opts, 5: 1200, 6: [1],
                    10: [{"alg": a, "type": "public-key"} for a in self.algs]}

    def check_pin_auth(self, params, auth_key, proto_key, cdh):
        """pinAuth (CTAP 2.0 section 5.5.8): LEFT(HMAC-SHA-256(pinToken, clientDataHash), 16).
        Returns (status, uv)."""
        if auth_key not in params:
            return OK, False
        pin_auth = params[auth_key]
        if len(pin_auth) == 0:
            return (ERR_PIN_INVALID if self.pin_hash else ERR_PIN_NOT_SET), False
        if params.get(proto_key) != 1:
            return ERR_PIN_AUTH_INVALID, False
        want = hmac.new(self.pin_token, cdh, hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(want, pin_auth):
            return ERR_PIN_AUTH_INVALID, False
        return OK, True

    def make_credential(self, p, cid):
        cdh, rp, user, cred_params = p.get(1), p.get(2), p.get(3), p.get(4)
        if cdh is None or rp is None or user is None or cred_params is None:
            return ERR_MISSING_PARAMETER, None
        opts = p.get(7, {})
        if opts.get("rk") or opts.get("uv"):
            return ERR_UNSUPPORTED_OPTION, None
        alg = next((c["alg"] for c in cred_params if c.get("alg") in self.algs), None)
        if alg is None:
            return ERR_UNSUPPORTED_ALGORITHM, None
        st, uv = self.check_pin_auth(p, 8, 9, cdh)
        if st != OK:
            return st, None
        for d in p.get(5, []):
            c = self.state["creds"].get(b64(d["id"]))
            if c and c["rp"] == rp["id"]:
                self.wait_touch(cid)
                return ERR_CREDENTIAL_EXCLUDED, None
        st = self.wait_touch(cid)
        if st != OK:
            return st, None
        key = new_key(alg)
        cred_id = os.urandom(32)
        self.state["creds"][b64(cred_id)] = {"rp": rp["id"], "alg": alg, "key": key_pem(key),
                                             "user": b64(user["id"])}
        self.save()
        flags = 0x01 | (0x04 if uv else 0) | 0x40
        auth_data = (hashlib.sha256(rp["id"].encode()).digest() + bytes([flags]) +
                     struct.pack(">I", self.state["counter"]) + AAGUID +
                     struct.pack(">H", len(cred_id)) + cred_id + cbor_enc(cose_public(key, alg)))
        att = {"alg": alg, "sig": sign(key, alg, auth_data + cdh)}  # packed, self attestation
        return OK, {1: "packed", 2: auth_data, 3: att}

    def get_assertion(self, p, cid):
        rp_id, cdh = p.get(1), p.get(2)
        if rp_id is None or cdh is None:
            return ERR_MISSING_PARAMETER, None
        opts = p.get(5, {})
        if opts.get("uv"):
            return ERR_UNSUPPORTED_OPTION, None
        st, uv = self.check_pin_auth(p, 6, 7, cdh)
        if st != OK:
            return st, None
        found = None
        for d in p.get(3, []):
            c = self.state["creds"].get(b64(d["id"]))
            if c and c["rp"] == rp_id:
                found = (d["id"], c)
                break
        if found is None:
            return ERR_NO_CREDENTIALS, None
        up = opts.get("up", True)
        if up:
            st = self.wait_touch(cid)
            if st != OK:
                return st, None
        self.state["counter"] += 1
        self.save()
        cred_id, c = found
        flags = (0x01 if up else 0) | (0x04 if uv else 0)
        auth_data = (hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) +
                     struct.pack(">I", self.state["counter"]))
        sig = sign(key_load(c["key"]), c["alg"], auth_data + cdh)
        return OK, {1: {"id": cred_id, "type": "public-key"}, 2: auth_data, 3: sig}

    def client_pin(self, p, _cid):
        if p.get(1) != 1:
            return ERR_INVALID_PARAMETER, None
        sub = p.get(2)
        if sub == 1:
            return OK, {3: self.state["pin_retries"]}
        if sub == 2:
            nums = self.ka_key.public_key().public_numbers()
            return OK, {1: {1: 2, 3: -25, -1: 1, -2: nums.x.to_bytes(32, "big"),
                            -3: nums.y.to_bytes(32, "big")}}
        if sub == 5:
            if self.pin_hash is None:
                return ERR_PIN_NOT_SET, None
            if self.state["pin_retries"] <= 0:
                return ERR_PIN_BLOCKED, None
            peer = p.get(3)
            enc = p.get(6)
            if peer is None or enc is None or len(enc) != 16:
                return ERR_MISSING_PARAMETER, None
            pub = ec.EllipticCurvePublicNumbers(int.from_bytes(peer[-2], "big"),
                                                int.from_bytes(peer[-3], "big"),
                                                ec.SECP256R1()).public_key()
            shared = hashlib.sha256(self.ka_key.exchange(ec.ECDH(), pub)).digest()
            got = aes_cbc(shared, enc, decrypt=True)
            if not hmac.compare_digest(got, self.pin_hash):
                self.state["pin_retries"] -= 1
                self.save()
                self.ka_key = ec.generate_private_key(ec.SECP256R1())  # section 5.5.5
                blocked = self.state["pin_retries"] <= 0
                return (ERR_PIN_BLOCKED if blocked else ERR_PIN_INVALID), None
            self.state["pin_retries"] = PIN_RETRIES
            self.save()
            return OK, {2: aes_cbc(shared, self.pin_token)}
        return ERR_INVALID_PARAMETER, None

    COMMANDS = {0x01: "make_credential", 0x02: "get_assertion", 0x04: "get_info",
                0x06: "client_pin"}

    def cbor_command(self, cid, data):
        if not data:
            return bytes([ERR_INVALID_LENGTH])
        name = self.COMMANDS.get(data[0])
        if name is None:
            self.log(command=data[0], status=ERR_INVALID_COMMAND)
            return bytes([ERR_INVALID_COMMAND])
        try:
            params = cbor_dec(data, 1)[0] if len(data) > 1 else {}
        except (ValueError, IndexError, KeyError, UnicodeDecodeError):
            return bytes([ERR_INVALID_CBOR])
        try:
            st, resp = getattr(self, name)(params, cid)
        except (Gone, Cancelled):
            raise
        except Exception as e:  # a malformed request must not kill the key
            self.log(command=name, status=0x7F, error=repr(e))
            return bytes([0x7F])
        event = {"command": name, "status": st, "touch": self.args.touch}
        if name == "get_assertion":
            event.update(rp=params.get(1), allow=len(params.get(3, [])), uv=6 in params,
                         up=params.get(5, {}).get("up", True))
        if name == "make_credential":
            event.update(rp=params.get(2, {}).get("id"), uv=8 in params,
                         exclude=len(params.get(5, [])))
        if name == "client_pin":
            event.update(sub=params.get(2))
        self.log(**event)  # recorded before the answer leaves
        return bytes([st]) + (cbor_enc(resp) if resp is not None else b"")

    def serve(self, conn):
        self.conn = conn
        while True:
            cid, cmd, data = self.recv_message()
            if cmd is None:
                continue
            if cmd == INIT:
                if len(data) != 8:
                    self.send(cid, ERROR, bytes([ERR_INVALID_LENGTH]))
                    continue
                new = self.next_cid if cid == BROADCAST else cid
                self.next_cid += 1
                self.send(cid, INIT, data + struct.pack(">IBBBBB", new, 2, 1, 0, 0,
                                                        CAP_WINK | CAP_CBOR))
            elif cid == BROADCAST or cid == 0:
                self.send(cid, ERROR, bytes([ERR_INVALID_CHANNEL]))
            elif cmd == PING:
                self.send(cid, PING, data)
            elif cmd == WINK:
                self.send(cid, WINK, b"")
            elif cmd == CANCEL:
                continue  # nothing in progress
            elif cmd == CBOR:
                self.send(cid, CBOR, self.cbor_command(cid, data))
            else:
                self.send(cid, ERROR, bytes([ERR_INVALID_COMMAND]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--state", help="JSON file keeping credentials, counter and PIN retries")
    ap.add_argument("--pin", default="", help="the key's PIN (clientPin set)")
    ap.add_argument("--touch", choices=["ok", "deny", "timeout", "remove"], default="ok")
    ap.add_argument("--user-timeout", type=float, default=60.0,
                    help="with --touch timeout: seconds before CTAP2_ERR_USER_ACTION_TIMEOUT")
    ap.add_argument("--algs", default="eddsa,es256", help="offered algorithms, preferred first")
    ap.add_argument("--log", help="append one JSON line per CTAP command")
    args = ap.parse_args()
    auth = Authenticator(args)
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    srv.bind(args.socket)
    srv.listen(4)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    try:
        while True:
            conn, _ = srv.accept()
            try:
                auth.serve(conn)
            except (Gone, ConnectionError, OSError):
                pass
            finally:
                conn.close()
    finally:
        srv.close()
        if os.path.exists(args.socket):
            os.unlink(args.socket)


if __name__ == "__main__":
    main()
