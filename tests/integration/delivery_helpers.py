"""Loopback stand-ins for the outside world of delivered codes: a real SMTP server (aiosmtpd,
Debian python3-aiosmtpd) that keeps every message it receives, and an HTTP server standing in
for an SMS provider that records every request and answers with a chosen status. Plus the
mfad.yaml `delivery:` section and a policy that allows sms and email."""

import email
import email.policy
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

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
                          "message": msg})
        return "250 OK"


class SmtpSink:
    """A real SMTP server on 127.0.0.1 (no TLS: the daemon is configured with starttls: off)."""

    def __init__(self):
        self.port = free_port()
        self.messages = []
        self.controller = Controller(_Handler(self.messages), hostname="127.0.0.1",
                                     port=self.port)

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
    """Records requests (method, path, headers, body); answers `status` (settable)."""

    def __init__(self, status=200):
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


def delivery_config(smtp_port=None, sms_port=None, sms_status_path="/2010-04-01/Messages.json"):
    out = "delivery:\n  timeout_ms: 2000\n  retries: 1\n  workers: 2\n"
    if smtp_port is not None:
        out += f"""\
  smtp:
    url: smtp://127.0.0.1:{smtp_port}
    starttls: "off"
    from: "mfad test <mfa@example.com>"
    subject: "Your {{app}} code"
    body: "Your {{app}} verification code is {{code}}. It expires in {{minutes}} minutes."
    apps:
      shop: {{subject: "Shop sign-in", body: "Shop code: {{code}} ({{minutes}} min)"}}
"""
    if sms_port is not None:
        out += f"""\
  sms:
    url: http://127.0.0.1:{sms_port}{sms_status_path}
    method: POST
    headers: {{Authorization: "Bearer test-token", X-Mfa-App: "{{app}}"}}
    format: json
    body: {{to: "{{phone}}", text: "Your {{app}} code is {{code}}", from: "mfad"}}
"""
    return out


def start_daemon(mfad_factory, smtp_port=None, sms_port=None):
    inst = mfad_factory(config_extra=delivery_config(smtp_port, sms_port), start=False)
    (inst.dir / "policy.yaml").write_text(POLICY)
    return inst.start()


def audit_events(inst, event, user=None):
    q = f"/v1/audit?event={event}&limit=1000" + (f"&user={user}" if user else "")
    r = inst.unix_request("GET", q)
    assert r.status == 200, r
    return r.json()["events"]
