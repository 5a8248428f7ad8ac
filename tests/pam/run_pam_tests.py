#!/usr/bin/python3
"""pam_mfa.so against tests/pam/fake_mfad.py under pam_wrapper + libpamtest.

Each case writes a PAM service file that loads BUILD/pam_mfa.so by absolute path with
socket=<fake socket>, starts the fake daemon with a scripted conversation, runs
BUILD/tests/pam/pam_driver and checks: the PAM code, texts shown to the user, what the
daemon received (the fake asserts every request) and what the module logged (pam_wrapper
prints pam_syslog lines on stderr).

Pointing it at a real daemon later (no fake, one case from the command line):
  tests/pam/run_pam_tests.py --build build --socket /run/mfad/mfad.sock --user alice \
      --answer 123456 --expect PAM_SUCCESS [--options "debug"] [--expect-text "..."]
or import this file and call run_driver(...) with your own table.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NOBODY = 65534
START = "/v1/pam/conversations"
CID = "pc_test-1"
ANSWER_PATH = f"{START}/{CID}"


def done(result, message=None, messages=None):
    step = {"type": "done", "result": result}
    if message is not None:
        step["message"] = message
    body = {"id": CID, "step": step}
    if messages is not None:
        body["messages"] = messages
    return {"status": 200, "json": body}


def prompt(text, echo=False, messages=None, cid=CID):
    body = {"id": cid, "step": {"type": "prompt", "echo": echo, "text": text}}
    if messages is not None:
        body["messages"] = messages
    return {"status": 200, "json": body}


def wait(text, timeout_ms, cid=CID):
    return {"status": 200, "json": {"id": cid, "step": {"type": "wait", "text": text,
                                                       "timeout_ms": timeout_ms}}}


def start(respond, user="alice", service=None):
    want = {"user": user, "rhost": "", "tty": "", "ruser": ""}
    if service is not None:
        want["service"] = service
    return {"expect": {"path": START, "json": want}, "respond": respond}


def answer(value, respond):
    return {"expect": {"path": ANSWER_PATH, "json": {"answer": value}}, "respond": respond}


# libpam never returns PAM_IGNORE from pam_authenticate (a stack where every module ignored
# gives PAM_PERM_DENIED), so the default stack makes the module's own code observable: any
# code but PAM_IGNORE ends the stack with that code (success=done, default=die), PAM_IGNORE
# falls through to pam_debug, which answers PAM_CRED_UNAVAIL, a code pam_mfa.so never returns.
PROBE_STACK = ["auth [success=done ignore=ignore default=die] {mod}",
               "auth requisite pam_debug.so auth=cred_unavail"]
IGNORED_MARK = "PAM_CRED_UNAVAIL"


PAM_MATRIX = "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so"
PASSWORD = "s3cret-pw"


def conf_stack(name, passdb):
    """The auth lines of a shipped example stack (conf/pam.d/NAME), made runnable here:
    pam_mfa.so -> the build's module with the fake socket (the stack's own options kept),
    pam_unix.so -> pam_matrix.so with a test password database. Host-dependent modules are
    dropped: pam_faildelay (slow), pam_nologin (host state), pam_rootok (the tests run as root,
    so `sufficient pam_rootok` would skip everything)."""
    lines = []
    with open(os.path.join(ROOT, "conf/pam.d", name)) as f:
        for raw in f:
            fields = raw.split("#", 1)[0].split()
            if len(fields) < 3 or fields[0] != "auth":
                continue
            module = fields[2]
            if module in ("pam_faildelay.so", "pam_nologin.so", "pam_rootok.so"):
                continue
            if module == "pam_unix.so":
                fields[2:] = [PAM_MATRIX, f"passdb={passdb}"]
            elif module == "pam_mfa.so":
                fields[2] = "{mod}"
            lines.append(" ".join(fields))
    return lines


UNAVAILABLE = "The MFA service is unavailable; try again or contact your administrator."


def case(name, exchanges, expect, **kw):
    c = {"name": name, "exchanges": exchanges, "expect": expect}
    c.update(kw)
    return c


def err(code, status):
    return {"status": status, "json": {"error": {"code": code, "message": "no"}}}


def cases():
    t = []
    # --- done.result mapping (docs/pam-protocol.md "Results and PAM codes")
    for result, code in [("success", "PAM_SUCCESS"), ("ignore", "PAM_IGNORE"),
                         ("deny", "PAM_AUTH_ERR"), ("maxtries", "PAM_MAXTRIES"),
                         ("user_unknown", "PAM_USER_UNKNOWN"), ("granted", "PAM_AUTH_ERR"),
                         ("", "PAM_AUTH_ERR"), ("SUCCESS", "PAM_AUTH_ERR")]:
        t.append(case(f"result {result!r} -> {code}", [start(done(result), service="SVC")], code))
    t.append(case("done.result not a string -> unavailable",
                  [start({"status": 200, "json": {"step": {"type": "done", "result": True}}})],
                  "PAM_AUTHINFO_UNAVAIL"))
    # --- scripted conversations
    t.append(case("picker, prompt, answer (fake asserts the answers)", [
        start(prompt("Choose a factor: [1] totp [2] email: ", echo=True)),
        answer("1", prompt("Verification code: ")),
        answer("123456", done("success", message="Welcome"))],
        "PAM_SUCCESS", answers=["1", "123456"],
        texts=["prompt-on: Choose a factor: [1] totp [2] email: ",
               "prompt-off: Verification code: ", "info: Welcome"]))
    t.append(case("info and error messages shown before the prompt", [
        start(prompt("Code: ", messages=[
            {"style": "info", "text": "MFA will be required in 3 days"},
            {"style": "error", "text": "Previous code expired"}])),
        answer("42", done("deny", message="Wrong code"))],
        "PAM_AUTH_ERR", answers=["42"],
        texts=["info: MFA will be required in 3 days\nerror: Previous code expired\n"
               "prompt-off: Code: ", "error: Wrong code"]))
    t.append(case("retry then maxtries", [
        start(prompt("Code: ")),
        answer("000000", prompt("Code: ", messages=[{"style": "error", "text": "Wrong code"}])),
        answer("111111", done("maxtries"))], "PAM_MAXTRIES", answers=["000000", "111111"],
        texts=["error: Wrong code"]))
    t.append(case("empty answer relayed as \"\"", [
        start(prompt("Code (empty to resend): ")), answer("", done("success"))],
        "PAM_SUCCESS", answers=[""]))
    # --- `wait` (a security key being touched): text shown, "" posted at once, longer timeout
    t.append(case("wait: text shown, empty answer posted, timeout_ms outlasts timeout=", [
        start(wait("Touch your security key.", 3000)),
        answer("", dict(done("success"), delay=1.0))],
        "PAM_SUCCESS", options="timeout=300", texts=["info: Touch your security key."],
        forbid=["prompt-"]))
    t.append(case("wait: PIN prompt, then wait, then retry prompt", [
        start(prompt("Security key PIN: ")),
        answer("1234", wait("Touch your security key.", 2000)),
        answer("", prompt("Press Enter to try again: ", messages=[
            {"style": "error", "text": "The security key refused (no touch)."}])),
        answer("", wait("Touch your security key.", 2000)),
        answer("", done("success"))],
        "PAM_SUCCESS", answers=["1234", ""],
        texts=["prompt-off: Security key PIN: \ninfo: Touch your security key.\n"
               "error: The security key refused (no touch).\nprompt-off: Press Enter"]))
    t.append(case("wait: daemon slower than timeout_ms -> unavailable", [
        start(wait("Touch your security key.", 500)),
        answer("", dict(done("success"), delay=1.5))],
        "PAM_AUTHINFO_UNAVAIL", options="timeout=300 failmode=open", max_seconds=1.3,
        log=["daemon timed out"]))
    for bad in ["3000", -1, 1.5, None]:
        t.append(case(f"wait: timeout_ms {bad!r} -> unavailable", [
            start({"status": 200, "json": {"id": CID, "step": {
                "type": "wait", "text": "Touch", "timeout_ms": bad}}})],
            "PAM_AUTHINFO_UNAVAIL", log=["bad wait timeout"]))
    t.append(case("wait without timeout_ms uses timeout=", [
        start({"status": 200, "json": {"id": CID, "step": {"type": "wait", "text": "Touch"}}}),
        answer("", done("deny"))], "PAM_AUTH_ERR", texts=["info: Touch"]))
    t.append(case("answer with quotes, backslash and UTF-8 is JSON-escaped", [
        start(prompt("Secret: ")), answer('a"b\\c\té', done("success"))],
        "PAM_SUCCESS", answers=['a"b\\c\té']))
    t.append(case("ignore with a message shown as info", [
        start(done("ignore", message="MFA not required (grace period)"))], "PAM_IGNORE",
        texts=["info: MFA not required (grace period)"]))
    t.append(case("unicode escapes decoded to UTF-8", [
        start(done("success", message="caf\u00e9 \U0001F511"))], "PAM_SUCCESS",
        texts=["info: caf\u00e9 \U0001F511"]))
    t.append(case("terminal escapes stripped from daemon text (EscapeInjection)", [
        start(prompt("\x1b]0;pwned\x07Code\r: ", messages=[
            {"style": "info", "text": "\x1b[31mRED\x1b[0m\u009b2J line1\nline2\x7f"}])),
        answer("1", done("deny"))], "PAM_AUTH_ERR", answers=["1"],
        texts=["info: [31mRED[0m2J line1\nline2\n", "prompt-off: ]0;pwnedCode: "],
        forbid=["\x1b", "\x07", "\r", "\u009b", "\x7f"]))
    t.append(case("bidirectional overrides stripped from daemon text (CVE-2021-42574)", [
        start(prompt("Code: ", messages=[
            {"style": "info", "text": "pay\u202eevil\u2066x\u2069 \u200fy\u2028z"}])),
        answer("1", done("deny"))], "PAM_AUTH_ERR", answers=["1"],
        texts=["info: payevilx yz"], forbid=["\u202e", "\u2066", "\u2069", "\u200f", "\u2028"]))
    t.append(case("prompt_prefix prepended", [start(prompt("Code: ")), answer("7", done("success"))],
                  "PAM_SUCCESS", answers=["7"], options="prompt_prefix=[MFA]",
                  texts=["prompt-off: [MFA] Code: "]))
    t.append(case("conversation error -> PAM_CONV_ERR, nothing posted", [
        start(prompt("Code: "))], "PAM_CONV_ERR", answers=["@CONV_ERR"]))
    t.append(case("NULL conversation response -> PAM_CONV_ERR", [
        start(prompt("Code: "))], "PAM_CONV_ERR", answers=["@NULL"]))
    t.append(case("more than 32 requests -> PAM_AUTH_ERR",
                  [start(prompt("Code: "))] + [answer("x", prompt("Code: "))] * 31,
                  "PAM_AUTH_ERR", answers=["x"] * 40, log=["exceeded 32 steps"]))
    t.append(case("debug never logs the answer", [
        start(prompt("Code: ")), answer("987654", done("success"))], "PAM_SUCCESS",
        answers=["987654"], options="debug", log=["result 'success'"], nolog=["987654"]))
    # --- transport failures and failmode
    t.append(case("daemon down -> PAM_AUTHINFO_UNAVAIL", None, "PAM_AUTHINFO_UNAVAIL",
                  log=["daemon socket missing"], log_once=["mfad unavailable"],
                  texts=[f"error: {UNAVAILABLE}\n"], forbid=["info:", "prompt-"]))
    t.append(case("garbage -> the unavailable line", [start({"raw": "hello world\r\n\r\n"})],
                  "PAM_AUTHINFO_UNAVAIL", texts=[f"error: {UNAVAILABLE}\n"],
                  log_once=["mfad unavailable"]))
    t.append(case("daemon down, failmode=open: no error line", None, "PAM_IGNORE",
                  options="failmode=open", forbid=[UNAVAILABLE]))
    t.append(case("daemon down, failmode=open -> PAM_IGNORE + warning", None, "PAM_IGNORE",
                  options="failmode=open", log=["SYSLOG(4)", "failmode=open"]))
    t.append(case("failmode=closed explicit", None, "PAM_AUTHINFO_UNAVAIL",
                  options="failmode=closed"))
    t.append(case("socket path is a regular file", None, "PAM_AUTHINFO_UNAVAIL",
                  setup="regular_file", log=["not a socket owned by a trusted uid"]))
    t.append(case("slow daemon past timeout=300", [start(dict(done("success"), delay=1.5))],
                  "PAM_AUTHINFO_UNAVAIL", options="timeout=300", max_seconds=1.2,
                  log=["timed out"], allow_errors=True, partial_ok=True))
    t.append(case("slow daemon within timeout", [start(dict(done("success"), delay=0.2))],
                  "PAM_SUCCESS", options="timeout=2000"))
    t.append(case("not HTTP", [start({"raw": "hello world\r\n\r\n"})], "PAM_AUTHINFO_UNAVAIL"))
    t.append(case("HTTP 200, not JSON", [start({"status": 200, "body": "<html>ok</html>"})],
                  "PAM_AUTHINFO_UNAVAIL", log=["malformed JSON"]))
    t.append(case("HTTP 200, truncated JSON", [start({"status": 200,
                  "body": '{"step":{"type":"done","result":"success"}'})], "PAM_AUTHINFO_UNAVAIL"))
    t.append(case("HTTP 200, trailing garbage after JSON", [start({"status": 200,
                  "body": '{"step":{"type":"done","result":"success"}}{}'})],
                  "PAM_AUTHINFO_UNAVAIL"))
    t.append(case("body shorter than Content-Length", [start(dict(done("success"), truncate=True))],
                  "PAM_AUTHINFO_UNAVAIL"))
    t.append(case("oversized answer (200 KiB)", [start({"oversize": 200 * 1024})],
                  "PAM_AUTHINFO_UNAVAIL", log=["too large"], allow_errors=True))
    t.append(case("chunked answer refused", [start({"chunked": True})], "PAM_AUTHINFO_UNAVAIL"))
    t.append(case("connection closed without answer", [start({"close": True})],
                  "PAM_AUTHINFO_UNAVAIL"))
    t.append(case("HTTP 500", [start(err("internal", 500))], "PAM_AUTHINFO_UNAVAIL"))
    t.append(case("HTTP 404 JSON error -> PAM_AUTH_ERR", [start(err("not_found", 404))],
                  "PAM_AUTH_ERR", log=["HTTP 404 'not_found'"]))
    t.append(case("HTTP 403 with failmode=open stays PAM_AUTH_ERR", [start(err("forbidden", 403))],
                  "PAM_AUTH_ERR", options="failmode=open"))
    t.append(case("2xx without step", [start({"status": 200, "json": {"id": CID}})],
                  "PAM_AUTHINFO_UNAVAIL"))
    t.append(case("unknown step type", [start({"status": 200,
                  "json": {"id": CID, "step": {"type": "teleport"}}})], "PAM_AUTHINFO_UNAVAIL"))
    t.append(case("prompt without echo flag", [start({"status": 200,
                  "json": {"id": CID, "step": {"type": "prompt", "text": "x"}}})],
                  "PAM_AUTHINFO_UNAVAIL"))
    t.append(case("conversation id with a slash refused", [
        start(prompt("Code: ", cid="../../v1/admin"))], "PAM_AUTHINFO_UNAVAIL"))
    # failmode=open is for a daemon that is demonstrably gone: no socket node, or a node with
    # no listener (connect refused). Any sign of a live daemon -- an HTTP answer such as 503
    # "too many connections", a full backlog, a timeout while connected, garbage -- fails
    # closed: a busy daemon must never turn a login into PAM_IGNORE.
    t.append(case("stale socket (no listener) -> PAM_AUTHINFO_UNAVAIL", None,
                  "PAM_AUTHINFO_UNAVAIL", setup="stale_socket", log=["connection refused"]))
    t.append(case("stale socket (no listener), failmode=open -> PAM_IGNORE", None, "PAM_IGNORE",
                  setup="stale_socket", options="failmode=open", log=["failmode=open"]))
    t.append(case("HTTP 503 too busy, failmode=open -> PAM_AUTHINFO_UNAVAIL",
                  [start(err("unavailable", 503))], "PAM_AUTHINFO_UNAVAIL",
                  options="failmode=open", log=["HTTP 503"], nolog=["PAM_IGNORE"]))
    t.append(case("HTTP 500, failmode=open -> PAM_AUTHINFO_UNAVAIL",
                  [start(err("internal", 500))], "PAM_AUTHINFO_UNAVAIL", options="failmode=open"))
    t.append(case("HTTP 429, failmode=open -> PAM_AUTH_ERR", [start(err("rate_limited", 429))],
                  "PAM_AUTH_ERR", options="failmode=open"))
    t.append(case("listen backlog full (EAGAIN), failmode=open -> PAM_AUTHINFO_UNAVAIL", None,
                  "PAM_AUTHINFO_UNAVAIL", setup="backlog_full",
                  options="timeout=300 failmode=open", max_seconds=1.5, log=["timed out"]))
    t.append(case("slow daemon past timeout=300, failmode=open -> PAM_AUTHINFO_UNAVAIL",
                  [start(dict(done("success"), delay=1.5))], "PAM_AUTHINFO_UNAVAIL",
                  options="timeout=300 failmode=open", max_seconds=1.2, log=["timed out"],
                  allow_errors=True, partial_ok=True))
    t.append(case("connection closed without answer, failmode=open -> PAM_AUTHINFO_UNAVAIL",
                  [start({"close": True})], "PAM_AUTHINFO_UNAVAIL", options="failmode=open"))
    t.append(case("not HTTP, failmode=open -> PAM_AUTHINFO_UNAVAIL",
                  [start({"raw": "hello world\r\n\r\n"})], "PAM_AUTHINFO_UNAVAIL",
                  options="failmode=open"))
    t.append(case("HTTP 200 not JSON, failmode=open -> PAM_AUTHINFO_UNAVAIL",
                  [start({"status": 200, "body": "<html>ok</html>"})], "PAM_AUTHINFO_UNAVAIL",
                  options="failmode=open"))
    t.append(case("socket path is a regular file, failmode=open -> PAM_AUTHINFO_UNAVAIL", None,
                  "PAM_AUTHINFO_UNAVAIL", setup="regular_file", options="failmode=open"))
    t.append(case("socket owned by nobody, failmode=open -> PAM_AUTHINFO_UNAVAIL",
                  [start(done("success"))], "PAM_AUTHINFO_UNAVAIL", chown=NOBODY,
                  options="failmode=open", unused_ok=True))
    t.append(case("failmode=open: daemon deny is still PAM_AUTH_ERR", [start(done("deny"))],
                  "PAM_AUTH_ERR", options="failmode=open"))
    t.append(case("failmode=open: failure mid-conversation is not an open door", [
        start(prompt("Code: ")), answer("1", {"close": True})], "PAM_AUTHINFO_UNAVAIL",
        answers=["1"], options="failmode=open"))
    # --- trust in the socket
    t.append(case("socket owned by nobody -> PAM_AUTHINFO_UNAVAIL", [start(done("success"))],
                  "PAM_AUTHINFO_UNAVAIL", chown=NOBODY, log=["trusted uid"], unused_ok=True))
    t.append(case("socket owned by nobody, daemon_uid=65534 -> trusted", [start(done("success"))],
                  "PAM_SUCCESS", chown=NOBODY, options=f"daemon_uid={NOBODY}"))
    t.append(case("server runs as nobody (SO_PEERCRED) -> PAM_AUTHINFO_UNAVAIL",
                  [start(done("success"))], "PAM_AUTHINFO_UNAVAIL", listen_as=NOBODY,
                  log=["peer credentials"], unused_ok=True, allow_errors=True))
    t.append(case("server runs as nobody, daemon_uid=65534 -> trusted", [start(done("success"))],
                  "PAM_SUCCESS", listen_as=NOBODY, chown=NOBODY, options=f"daemon_uid={NOBODY}"))
    # --- no daemon_uid=: the owner of a root-placed socket directory is trusted (the packaged
    # daemon runs as _mfad in systemd's /run/mfad; pam_module/socket_trust.h)
    t.append(case("daemon as nobody in a /run dir nobody owns (0755), no option -> trusted",
                  [start(done("success"))], "PAM_SUCCESS", listen_as=NOBODY, chown=NOBODY,
                  sockdir={"owner": NOBODY}))
    t.append(case("socket dir owned by nobody but group-writable -> PAM_AUTHINFO_UNAVAIL",
                  [start(done("success"))], "PAM_AUTHINFO_UNAVAIL", listen_as=NOBODY,
                  chown=NOBODY, sockdir={"owner": NOBODY, "mode": 0o775}, log=["trusted uid"],
                  unused_ok=True, allow_errors=True))
    t.append(case("socket dir owned by nobody under a world-writable dir -> PAM_AUTHINFO_UNAVAIL",
                  [start(done("success"))], "PAM_AUTHINFO_UNAVAIL", listen_as=NOBODY,
                  chown=NOBODY, sockdir={"owner": NOBODY, "parent_mode": 0o1777},
                  log=["trusted uid"], unused_ok=True, allow_errors=True))
    t.append(case("socket dir owned by root, socket by nobody -> PAM_AUTHINFO_UNAVAIL",
                  [start(done("success"))], "PAM_AUTHINFO_UNAVAIL", chown=NOBODY,
                  sockdir={"owner": 0}, log=["trusted uid"], unused_ok=True))
    t.append(case("socket dir owned by daemon (uid 1), socket by nobody -> PAM_AUTHINFO_UNAVAIL",
                  [start(done("success"))], "PAM_AUTHINFO_UNAVAIL", listen_as=NOBODY,
                  chown=NOBODY, sockdir={"owner": 1}, log=["trusted uid"], unused_ok=True,
                  allow_errors=True))
    t.append(case("socket dir owned by nobody, server runs as daemon (uid 1) -> refused",
                  [start(done("success"))], "PAM_AUTHINFO_UNAVAIL", listen_as=1, chown=NOBODY,
                  sockdir={"owner": NOBODY}, log=["peer credentials"], unused_ok=True,
                  allow_errors=True))
    t.append(case("daemon_uid= wins over the directory owner -> PAM_AUTHINFO_UNAVAIL",
                  [start(done("success"))], "PAM_AUTHINFO_UNAVAIL", listen_as=NOBODY,
                  chown=NOBODY, sockdir={"owner": NOBODY}, options="daemon_uid=1",
                  log=["trusted uid"], unused_ok=True, allow_errors=True))
    # --- options
    t.append(case("unknown option logged, module still works", [start(done("success"))],
                  "PAM_SUCCESS", options="frobnicate=1", log=["unknown module option 'frobnicate=1'"]))
    t.append(case("timeout below minimum clamped to 100", [start(done("success"))],
                  "PAM_SUCCESS", options="timeout=5", log=["clamped to 100"]))
    for bad in ["timeout=abc", "timeout=", "failmode=maybe", "socket=relative.sock",
                "daemon_uid=-1", "daemon_uid=4294967295", "prompt_prefix=" + "x" * 65]:
        t.append(case(f"bad option {bad[:24]} -> PAM_SERVICE_ERR", [], "PAM_SERVICE_ERR",
                      options=bad, log=["invalid module option"]))
    t.append(case("user name too long -> PAM_USER_UNKNOWN, nothing sent", [], "PAM_USER_UNKNOWN",
                  user="u" * 300))
    # --- the other entry points and stack semantics
    t.append(case("acct_mgmt alone: PAM_IGNORE -> libpam PAM_PERM_DENIED (never SUCCESS)", [],
                  "PAM_PERM_DENIED", op="acct", stack=["account required {mod}"]))
    t.append(case("acct_mgmt + pam_permit -> PAM_SUCCESS", [], "PAM_SUCCESS", op="acct",
                  stack=["account required {mod}", "account required pam_permit.so"]))
    t.append(case("acct_mgmt with a bad option -> PAM_SERVICE_ERR", [], "PAM_SERVICE_ERR",
                  op="acct", stack=["account required {mod} timeout=xyz"]))
    t.append(case("setcred alone: PAM_IGNORE -> not SUCCESS", [], "PAM_PERM_DENIED", op="setcred",
                  stack=["auth required {mod}"]))
    t.append(case("setcred + pam_permit -> PAM_SUCCESS", [], "PAM_SUCCESS", op="setcred",
                  stack=["auth required {mod}", "auth required pam_permit.so"]))
    t.append(case("stack: ignore + optional pam_permit -> PAM_SUCCESS", [start(done("ignore"))],
                  "PAM_SUCCESS", stack=["auth required {mod}", "auth optional pam_permit.so"]))
    t.append(case("stack: ignore alone -> PAM_PERM_DENIED", [start(done("ignore"))],
                  "PAM_PERM_DENIED", stack=["auth required {mod}"]))
    t.append(case("stack: success alone -> PAM_SUCCESS", [start(done("success"))],
                  "PAM_SUCCESS", stack=["auth required {mod}"]))
    t.append(case("stack: daemon down, failmode=open, alone -> PAM_PERM_DENIED", None,
                  "PAM_PERM_DENIED", options="failmode=open", stack=["auth required {mod}"]))
    t.append(case("stack: deny + optional pam_permit -> PAM_AUTH_ERR", [start(done("deny"))],
                  "PAM_AUTH_ERR", stack=["auth required {mod}", "auth optional pam_permit.so"]))
    # --- reminder=session (issue 20 item 5): the text of a good `done` waits for open_session
    grace = "MFA will be required for this account in 3 days"
    sess = ["auth required {mod} reminder=session", "auth optional pam_permit.so",
            "session optional {mod} reminder=session", "session required pam_permit.so"]
    for result in ("ignore", "success"):
        t.append(case(f"reminder=session, {result}: shown once by open_session, then removed",
                      [start(done(result, message=grace))], "PAM_SUCCESS", op="auth-session",
                      stack=sess, once=[f"info: {grace}"],
                      texts=["== authenticate\n== env after authenticate: set\n"
                             f"== open_session\ninfo: {grace}\n"
                             "== env after open_session: unset\n",
                             "session_rc=PAM_SUCCESS", "close_rc=PAM_SUCCESS"]))
    t.append(case("reminder option off: shown during authenticate, nothing kept",
                  [start(done("ignore", message=grace))], "PAM_SUCCESS", op="auth-session",
                  stack=["auth required {mod}", "auth optional pam_permit.so",
                         "session optional {mod}", "session required pam_permit.so"],
                  once=[f"info: {grace}"],
                  texts=[f"== authenticate\ninfo: {grace}\n== env after authenticate: unset\n"
                         "== open_session\n== env after open_session: unset\n"]))
    t.append(case("reminder=session: a deny message is still shown at once, nothing kept",
                  [start(done("deny", message="Access denied by policy."))], "PAM_AUTH_ERR",
                  op="auth-session", stack=sess,
                  texts=["== authenticate\nerror: Access denied by policy.\n"
                         "== env after authenticate: unset\n"]))
    t.append(case("reminder=session: kept text sanitised and cut at 1024 bytes",
                  [start(done("ignore", message="\x1b\u202eA" + "x" * 3000))],
                  "PAM_SUCCESS", op="auth-session", stack=sess,
                  texts=["== open_session\ninfo: A" + "x" * 1023 + "\n== env after"],
                  forbid=["\x1b", "\u202e"]))
    t.append(case("open_session alone, no reminder: PAM_IGNORE, never a pass",
                  [], "PAM_SUCCESS", op="auth-session",
                  stack=["auth required pam_permit.so", "session optional {mod}"],
                  texts=["session_rc=PAM_PERM_DENIED"]))
    t.append(case("reminder=maybe -> PAM_SERVICE_ERR", [], "PAM_SERVICE_ERR",
                  stack=["auth required {mod} reminder=maybe"]))
    # --- the shipped example stacks (conf/pam.d), first factor via pam_matrix
    sshd = "mfa-sshd"
    t.append(case("mfa-sshd: success", [start(done("success"), service=sshd)], "PAM_SUCCESS",
                  conf=sshd))
    t.append(case("mfa-sshd: ignore passes (publickey was the factor)", [start(done("ignore"))],
                  "PAM_SUCCESS", conf=sshd))
    t.append(case("mfa-sshd: deny", [start(done("deny"))], "PAM_AUTH_ERR", conf=sshd))
    t.append(case("mfa-sshd: daemon down", None, "PAM_AUTHINFO_UNAVAIL", conf=sshd))
    t.append(case("mfa-sshd: setcred succeeds", [], "PAM_SUCCESS", conf=sshd, op="setcred"))
    for conf in ("mfa-sudo", "mfa-login", "mfa-su"):
        code = [start(prompt("Code: "), service=conf)]
        t.append(case(f"{conf}: password + code", code + [answer("123456", done("success"))],
                      "PAM_SUCCESS", conf=conf, answers=[PASSWORD, "123456"]))
        t.append(case(f"{conf}: password + wrong code", code + [answer("1", done("deny"))],
                      "PAM_AUTH_ERR", conf=conf, answers=[PASSWORD, "1"]))
        t.append(case(f"{conf}: wrong password still gets the MFA prompt (required, not "
                      "requisite)", code + [answer("123456", done("success"))], "PAM_AUTH_ERR",
                      conf=conf, answers=["wrong", "123456"], texts=["Code: "]))
        t.append(case(f"{conf}: password + ignore", [start(done("ignore"))], "PAM_SUCCESS",
                      conf=conf, answers=[PASSWORD]))
        t.append(case(f"{conf}: password + daemon down", None, "PAM_AUTHINFO_UNAVAIL",
                      conf=conf, answers=[PASSWORD]))
    return t


def run_driver(build, service_dir, service, user, expect, answers=(), texts=(), forbid=(),
               op="auth", timeout=30):
    """Runs the libpamtest driver under pam_wrapper; returns (ok, stdout, stderr, seconds)."""
    env = dict(os.environ, LD_PRELOAD="libpam_wrapper.so", PAM_WRAPPER="1",
               PAM_WRAPPER_SERVICE_DIR=service_dir, PAM_WRAPPER_DEBUGLEVEL="3")
    cmd = [os.path.join(build, "tests/pam/pam_driver"), "--service", service, "--user", user,
           "--expect", expect, "--op", op]
    for a in answers:
        cmd += ["--answer", a]
    for x in texts:
        cmd += ["--expect-text", x]
    for x in forbid:
        cmd += ["--forbid-text", x]
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, timeout=timeout)
    secs = time.monotonic() - t0
    out = p.stdout.decode("utf-8", "replace")
    errout = p.stderr.decode("utf-8", "replace")
    return p.returncode == 0, out, errout, secs


def write_service(service_dir, name, lines):
    with open(os.path.join(service_dir, name), "w") as f:
        f.write("\n".join(lines) + "\n")


def start_fake(work, sock, exchanges, chown=None, listen_as=None):
    scenario = os.path.join(work, "scenario.json")
    report = os.path.join(work, "r", "report.json")
    with open(scenario, "w") as f:
        json.dump({"exchanges": exchanges}, f)
    cmd = [sys.executable, os.path.join(HERE, "fake_mfad.py"), "--socket", sock,
           "--scenario", scenario, "--report", report]
    if chown is not None:
        cmd += ["--chown", str(chown)]
    if listen_as is not None:
        cmd += ["--listen-as", str(listen_as)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    line = proc.stdout.readline()
    if line.strip() != b"READY":
        proc.kill()
        raise RuntimeError("fake_mfad did not start")
    return proc, report


def run_case(build, c, base):
    work = tempfile.mkdtemp(prefix="case", dir=base)
    os.chmod(work, 0o755)
    os.makedirs(os.path.join(work, "r"))
    os.chmod(os.path.join(work, "r"), 0o777)
    svc_dir = os.path.join(work, "svc")
    os.makedirs(svc_dir)
    sock = os.path.join(work, "mfad.sock")
    run_base = None
    if "sockdir" in c:  # the packaged layout: /run/<tmp>/mfad/mfad.sock (socket_trust.h)
        sd = c["sockdir"]
        run_base = tempfile.mkdtemp(prefix="mfa-pam-", dir="/run")
        os.chmod(run_base, sd.get("parent_mode", 0o755))
        sock_dir = os.path.join(run_base, "mfad")
        os.mkdir(sock_dir)
        os.chown(sock_dir, sd["owner"], -1)
        os.chmod(sock_dir, sd.get("mode", 0o755))
        sock = os.path.join(sock_dir, "mfad.sock")
    mod = os.path.realpath(os.path.join(build, "pam_mfa.so"))
    opts = f"socket={sock} " + c.get("options", "")
    stack = c.get("stack", PROBE_STACK)
    expect = c["expect"]
    if "stack" not in c and "conf" not in c and expect == "PAM_IGNORE":
        expect = IGNORED_MARK
    service = "mfa-test"
    if "conf" in c:
        service = c["conf"]
        passdb = os.path.join(work, "passdb")
        with open(passdb, "w") as f:
            f.write(f"alice:{PASSWORD}:{service}\n")
        stack = conf_stack(service, passdb)
    lines = [s.replace("{mod}", f"{mod} {opts}".strip()) for s in stack]
    write_service(svc_dir, service, lines)
    # SVC placeholder: the fake checks the service name we configured.
    exchanges = json.loads(json.dumps(c["exchanges"] or []).replace('"SVC"', f'"{service}"'))

    proc = None
    report_path = None
    held = []  # sockets that must outlive the driver run
    if c.get("setup") == "regular_file":
        open(sock, "w").close()
    elif c.get("setup") == "stale_socket":  # the node of a daemon killed with SIGKILL
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(sock)
        s.close()
    elif c.get("setup") == "backlog_full":  # a live daemon that does not accept in time
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(sock)
        os.chmod(sock, 0o666)
        srv.listen(0)
        held.append(srv)
        for _ in range(8):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            held.append(s)
            try:
                s.connect(sock)
            except BlockingIOError:
                break
        else:
            raise RuntimeError("could not fill the listen backlog")
    elif c["exchanges"] is not None:
        proc, report_path = start_fake(work, sock, exchanges, c.get("chown"), c.get("listen_as"))
    problems = []
    try:
        ok, out, errout, secs = run_driver(build, svc_dir, service, c.get("user", "alice"),
                                           expect, c.get("answers", []), c.get("texts", []),
                                           c.get("forbid", []), c.get("op", "auth"))
        if not ok:
            problems.append("driver: " + out.strip().replace("\n", " | "))
        for want in c.get("log", []):
            if want not in errout:
                problems.append(f"log lacks {want!r}")
        for once in c.get("once", []):
            if out.count(once) != 1:
                problems.append(f"output has {out.count(once)} x {once!r}, want 1")
        for once in c.get("log_once", []):
            if errout.count(once) != 1:
                problems.append(f"log has {errout.count(once)} x {once!r}, want 1")
        for bad in c.get("nolog", []):
            if bad in errout or bad in out:
                problems.append(f"log contains {bad!r}")
        if "max_seconds" in c and secs > c["max_seconds"]:
            problems.append(f"took {secs:.2f}s > {c['max_seconds']}s")
    finally:
        for s in held:
            s.close()
        if proc is not None:
            proc.kill()
            proc.wait()
    if report_path is not None:
        with open(report_path) as f:
            report = json.load(f)
        if report["errors"] and not c.get("allow_errors"):
            problems.append("fake daemon: " + "; ".join(report["errors"]))
        if report["remaining"] and not (c.get("unused_ok") or c.get("partial_ok")):
            problems.append(f"fake daemon: {report['remaining']} exchange(s) not consumed")
        if c.get("unused_ok") and report["requests"]:
            problems.append("untrusted daemon received a request")
    if run_base is not None:
        shutil.rmtree(run_base, ignore_errors=True)
    if problems:
        problems.append(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--filter", help="run only cases whose name contains this")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--socket", help="real daemon socket: run one case from the command line")
    ap.add_argument("--service", default="mfa-test")
    ap.add_argument("--user", default=os.environ.get("USER", "root"))
    ap.add_argument("--answer", action="append", default=[])
    ap.add_argument("--expect", default="PAM_SUCCESS")
    ap.add_argument("--expect-text", action="append", default=[])
    ap.add_argument("--options", default="")
    args = ap.parse_args()
    build = os.path.join(ROOT, args.build) if not os.path.isabs(args.build) else args.build
    for need in ("pam_mfa.so", "tests/pam/pam_driver"):
        if not os.path.exists(os.path.join(build, need)):
            print(f"missing {build}/{need}: make BUILD={args.build} {args.build}/{need}")
            print("0 passed, 1 failed")
            return 1

    if args.socket:
        with tempfile.TemporaryDirectory() as d:
            mod = os.path.realpath(os.path.join(build, "pam_mfa.so"))
            # The probe stack makes the module's own code visible (PAM_IGNORE included).
            modline = f"{mod} socket={args.socket} {args.options}".strip()
            write_service(d, args.service, [x.replace("{mod}", modline) for x in PROBE_STACK])
            expect = IGNORED_MARK if args.expect == "PAM_IGNORE" else args.expect
            ok, out, errout, _ = run_driver(build, d, args.service, args.user, expect,
                                            args.answer, args.expect_text)
            print(out + (errout if args.verbose or not ok else ""))
            print(f"{int(ok)} passed, {int(not ok)} failed")
            return 0 if ok else 1

    base = tempfile.mkdtemp(prefix="mfa-pam-tests-")
    os.chmod(base, 0o755)
    passed = failed = 0
    t0 = time.monotonic()
    for c in cases():
        if args.filter and args.filter not in c["name"]:
            continue
        problems = run_case(build, c, base)
        if problems:
            failed += 1
            print(f"FAIL {c['name']}")
            for p in problems:
                print(f"     {p}")
        else:
            passed += 1
            if args.verbose:
                print(f"ok   {c['name']}")
    if failed == 0:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"work directories of failed cases kept under {base}")
    print(f"pam tests took {time.monotonic() - t0:.1f}s")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
