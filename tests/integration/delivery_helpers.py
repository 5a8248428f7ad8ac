"""Loopback stand-ins for the outside world of delivered codes: a real SMTP server (aiosmtpd,
Debian python3-aiosmtpd) that keeps every message it receives, and an HTTP server standing in
for an SMS provider that records every request and answers with a chosen status. Plus the
mfad.yaml `delivery:` section and a policy that allows sms and email.

TLS for the SMTP server: `make_pki(dir)` writes a throwaway CA and a server certificate for
127.0.0.1 signed by it (python3-cryptography); `SmtpSink(tls="starttls"|"smtps", pki=...)`
serves STARTTLS (required) or implicit TLS, and `auth={user: password}` requires AUTH."""

import datetime
import ipaddress
import ssl

import email
import email.policy
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

POLICY = """\
defaults:
  mode: required
  factors: [totp, sms, email, backup_code]
  grace_period: 0s
  lockout: {attempts: 10, window: 10m}
"""

CODE_RE = re.compile(r"\b(\d{6})\b")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.sink.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                          "message": msg, "tls": server.transport.get_extra_info("ssl_object") is not None,
                          "authenticated": bool(session.authenticated)})
        return "250 OK"


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(directory, prefix="", server_names=("127.0.0.1",)):
    """A throwaway CA and a server certificate for `server_names` (IP addresses or DNS names)
    signed by it, as PEM files in `directory`: {prefix}ca.pem, {prefix}server.pem,
    {prefix}server.key. Returns a dict of their paths."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name(f"mfad test CA {prefix}"))
          .issuer_name(_name(f"mfad test CA {prefix}")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    sans = []
    for n in server_names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            sans.append(x509.DNSName(n))
    cert = (x509.CertificateBuilder().subject_name(_name(server_names[0]))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {"ca": f"{directory}/{prefix}ca.pem", "cert": f"{directory}/{prefix}server.pem",
             "key": f"{directory}/{prefix}server.key"}
    with open(paths["ca"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["cert"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


class SmtpSink:
    """A real SMTP server on 127.0.0.1. Without `tls` it is plain (the daemon is configured with
    starttls: off); tls="starttls" offers STARTTLS and refuses mail before it (RFC 3207);
    tls="smtps" is implicit TLS (RFC 8314). `auth` ({login: password}) makes AUTH LOGIN/PLAIN
    mandatory; `auth_mechanisms` limits what the server offers. Every AUTH attempt is recorded
    in `auth_attempts` (mechanism, login, accepted) before the server answers it."""

    def __init__(self, tls=None, pki=None, auth=None, auth_mechanisms=("LOGIN", "PLAIN")):
        self.port = free_port()
        self.messages = []
        self.auth_attempts = []
        kwargs = {}
        ctx = None
        if tls is not None:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(pki["cert"], pki["key"])
        if tls == "starttls":
            kwargs.update(tls_context=ctx, require_starttls=True)
        elif tls == "smtps":
            kwargs.update(ssl_context=ctx)
        if auth is not None:
            def authenticator(server, session, envelope, mechanism, data):
                ok = (isinstance(data, LoginPassword) and
                      auth.get(data.login.decode()) == data.password.decode())
                self.auth_attempts.append({"mechanism": mechanism,
                                           "login": data.login.decode(), "accepted": ok})
                # handled=False: aiosmtpd answers 535 itself (with True it would stay silent).
                return AuthResult(success=ok, handled=False)
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_exclude_mechanism=[m for m in ("LOGIN", "PLAIN")
                                                  if m not in auth_mechanisms],
                          # Implicit TLS is TLS too (aiosmtpd only knows about STARTTLS here).
                          auth_require_tls=tls == "starttls")
        self.controller = Controller(_Handler(self.messages), hostname="127.0.0.1",
                                     port=self.port, **kwargs)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        if self.controller._thread is not None:  # idempotent: tests stop it early
            self.controller.stop()

    def wait(self, count=1, timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"{len(self.messages)} messages, wanted {count}"
        return self.messages[count - 1]

    def last_code(self, count):
        msg = self.wait(count)["message"]
        body = msg.get_body(preferencelist=("plain",)).get_content()
        m = CODE_RE.search(body)
        assert m, body
        return m.group(1)


class SmsGateway:
    """Records requests (method, path, headers, body); answers `status` (settable). With `pki`
    (make_pki's paths) it serves HTTPS with that server certificate."""

    def __init__(self, status=200, pki=None):
        self.requests = []
        self.status = status
        gw = self

        class H(BaseHTTPRequestHandler):
            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode()
                gw.requests.append({"method": self.command, "path": self.path,
                                    "headers": {k.lower(): v for k, v in self.headers.items()},
                                    "body": body})
                out = json.dumps({"sid": "SM1"} if gw.status < 300 else {"error": "boom"})
                self.send_response(gw.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out.encode())

            do_POST = _handle
            do_PUT = _handle

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        if pki is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(pki["cert"], pki["key"])
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def last_code(self):
        body = json.loads(self.requests[-1]["body"])
        m = CODE_RE.search(body["text"])
        assert m, body
        return m.group(1)


@pytest.fixture
def smtp():
    """A plain SmtpSink for one test (import it into the test module to use it)."""
    s = SmtpSink().start()
    yield s
    s.stop()


@pytest.fixture
def gateway():
    """An SmsGateway answering 200 for one test (import it into the test module to use it)."""
    g = SmsGateway().start()
    yield g
    g.stop()


def delivery_config(smtp_port=None, sms_port=None, sms_status_path="/2010-04-01/Messages.json",
                    smtp_scheme="smtp", starttls="off", ca_file=None, username=None,
                    password_file=None, sms_scheme="http", sms_ca_file=None):
    out = "delivery:\n  timeout_ms: 2000\n  retries: 1\n  workers: 2\n"
    if smtp_port is not None:
        extra = "".join(f"    {k}: {v}\n" for k, v in (("ca_file", ca_file),
                                                       ("username", username),
                                                       ("password_file", password_file))
                        if v is not None)
        out += f"""\
  smtp:
    url: {smtp_scheme}://127.0.0.1:{smtp_port}
    starttls: "{starttls}"
{extra}    from: "mfad test <mfa@example.com>"
    subject: "Your {{app}} code"
    body: "Your {{app}} verification code is {{code}}. It expires in {{minutes}} minutes."
    apps:
      shop: {{subject: "Shop sign-in", body: "Shop code: {{code}} ({{minutes}} min)"}}
"""
    if sms_port is not None:
        out += f"""\
  sms:
    url: {sms_scheme}://127.0.0.1:{sms_port}{sms_status_path}
    method: POST
    headers: {{Authorization: "Bearer test-token", X-Mfa-App: "{{app}}"}}
    format: json
    body: {{to: "{{phone}}", text: "Your {{app}} code is {{code}}", from: "mfad"}}
"""
        if sms_ca_file is not None:
            out += f"    ca_file: {sms_ca_file}\n"
    return out


def start_daemon(mfad_factory, smtp_port=None, sms_port=None, **smtp):
    """`smtp`: the extra keyword arguments of delivery_config (scheme, TLS, CA, AUTH)."""
    inst = mfad_factory(config_extra=delivery_config(smtp_port, sms_port, **smtp), start=False)
    (inst.dir / "policy.yaml").write_text(POLICY)
    return inst.start()


def audit_events(inst, event, user=None):
    q = f"/v1/audit?event={event}&limit=1000" + (f"&user={user}" if user else "")
    r = inst.unix_request("GET", q)
    assert r.status == 200, r
    return r.json()["events"]


def assert_send_fails(inst, ch, fid, why, app="system"):
    """POST .../challenges/{ch}/send for factor `fid` fails with 502 delivery_failed, the message
    names the mail server and `why`; the challenge stays pending, marked failed, with a
    delivery_failed event and no code_sent. Returns the challenge as GET shows it."""
    r = inst.unix_request("POST", f"/v1/apps/{app}/challenges/{ch}/send", {"factor_id": fid})
    assert r.status == 502, r
    err = r.json()["error"]
    assert err["code"] == "delivery_failed", err
    assert err["message"].startswith("Could not send the code: the mail server 127.0.0.1:"), err
    assert why in err["message"], err
    c = inst.unix_request("GET", f"/v1/apps/{app}/challenges/{ch}").json()
    assert c["delivery"] == "failed" and c["status"] == "pending", c
    assert why in c["delivery_error"], c
    events = [e["event"] for e in c["timeline"]]
    assert "delivery_failed" in events and "code_sent" not in events, events
    return c
