"""pam_mfa.so against the real mfad (pam_wrapper + libpamtest driver, tests/pam/pam_driver).

The matrix: policy (off, optional, required, required in grace) x enrolment (none, TOTP, TOTP +
backup codes) x answer (right, wrong, replayed, backup code, empty) x daemon (up, down, stale
socket, stopped = slow past the timeout, garbage, TCP budget full of squatters) x failmode
(closed, open; open passes only a daemon that is gone: no socket, stale socket). One daemon per
policy; every case asserts the exact PAM code, and at the end of each policy the number of
PAM_SUCCESS results equals the number of cases that answered with a verified factor AND the
number of user.mfa_succeeded events the daemon audited: nothing else yields PAM_SUCCESS.

Users: root and the throw-away Unix user mfatest1 (created with useradd, removed with userdel
-r), and aliases of both (issue 10 finding 3: passwd lines with the same uid under another
name, MFATEST1 included; pam_helpers.ALIASES). Under the default `pam.user_aliases: refuse`
an alias is refused whatever the mode, and the daemon keeps no state under its name;
test_pam_alias_canonical covers `canonical`. Lockout is set to 100 attempts in the matrix so
wrong answers do not lock the users out; lockout itself has its own test.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import ROOT
from engine_helpers import code_at, enroll_totp, start_with_policy
from pam_helpers import (HALF_BLOCKS, MODULE, PamHarness, TEST_USER, aliases, fresh_totp,
                         hand_key, mfa_successes, reset_user, squat_tcp, still_open,
                         store_users, test_user, wrong_code, write_file)  # noqa: F401

FAILMODES = ("closed", "open")
# failmode=open lets a login through only when the daemon is demonstrably gone (no socket, or
# a socket nobody listens on); a daemon that is there but slow, busy or broken fails closed.
GONE = {"closed": "PAM_AUTHINFO_UNAVAIL", "open": "PAM_IGNORE"}
ALIVE = "PAM_AUTHINFO_UNAVAIL"
# The TCP listener has a small budget so that 8 loopback addresses x 2 fill it (issue 10).
MATRIX_HTTP = ("{request_timeout_ms: 2000, idle_timeout_ms: 60000, first_byte_timeout_ms: 60000, "
               "tcp: {max_connections: 16, max_connections_per_address: 2}}")
POLICIES = {
    "off": "defaults: {mode: 'off', lockout: {attempts: 100, window: 15m}}\n",
    "optional": "defaults: {mode: optional, factors: [totp, backup_code], grace_period: 0s, "
                "lockout: {attempts: 100, window: 15m}}\n",
    "required": "defaults: {mode: required, factors: [totp, backup_code], grace_period: 0s, "
                "lockout: {attempts: 100, window: 15m}}\n",
    "grace": "defaults: {mode: required, factors: [totp, backup_code], grace_period: 7d, "
             "lockout: {attempts: 100, window: 15m}}\n",
}
CODE_PROMPT = "prompt-off: Verification code (or a backup code): "
ALIAS_REFUSED = "error: This login name is another name of an account"
GRACE_TEXT = ("info: MFA will be required for this account in 7 days \u2014 run `mfactl enroll "
              "totp`")


class Matrix:
    """Runs cases, records failures instead of stopping at the first one, and counts the
    successes that came from a verified factor."""

    def __init__(self, inst, policy):
        self.inst = inst
        self.policy = policy
        self.pam = PamHarness(inst.socket)
        self.failures = []
        self.cases = 0
        self.successes = 0
        self.verified = 0

    def check(self, name, res, expect, verified=False, texts=(), forbid=(), max_seconds=None):
        self.cases += 1
        label = f"[{self.policy}] {name}"
        if res.rc == "PAM_SUCCESS":
            self.successes += 1
        if verified and expect == "PAM_SUCCESS":
            self.verified += 1
        if res.rc != expect:
            self.failures.append(f"{label}: got {res.rc}, want {expect}\n{res.transcript}"
                                 f"{res.log[-1500:]}")
            return res
        for t in texts:
            if t not in res.transcript:
                self.failures.append(f"{label}: transcript lacks {t!r}\n{res.transcript}")
        for t in forbid:
            if t in res.transcript:
                self.failures.append(f"{label}: transcript has {t!r}\n{res.transcript}")
        if max_seconds is not None and res.seconds > max_seconds:
            self.failures.append(f"{label}: took {res.seconds:.2f}s > {max_seconds}s")
        return res

    def run(self, name, user, answers, expect, failmode, **kw):
        res = self.pam.run(user, answers, options=f"failmode={failmode}")
        return self.check(f"{name} user={user} failmode={failmode}", res, expect, **kw)

    def check_successes(self):
        audited = sum(mfa_successes(self.inst, u) for u in ("root", TEST_USER))
        if not (self.successes == self.verified == audited):
            self.failures.append(f"[{self.policy}] PAM_SUCCESS x{self.successes}, verified "
                                 f"answers x{self.verified}, audited mfa_succeeded x{audited}")

    def finish(self):
        if self.successes != self.verified:
            self.failures.append(f"[{self.policy}] PAM_SUCCESS x{self.successes}, verified "
                                 f"answers x{self.verified}")
        assert not self.failures, "\n\n".join(self.failures)
        return self.cases


def enrolled_cases(m, user, backup, mfa_expected):
    """Right, wrong, replayed, backup code and empty answers for a user with one TOTP factor
    (with or without unused backup codes), under both failmodes."""
    enrol = "totp+backup" if backup else "totp"
    for fm in FAILMODES:
        secret, codes = fresh_totp(m.inst, user, backup_codes=backup)
        if not mfa_expected:
            m.run(f"{enrol} any answer", user, ["@CONV_ERR"], "PAM_IGNORE", fm,
                  forbid=["prompt-"])
            continue
        right = code_at(secret, +1)
        bad = wrong_code(secret)
        m.run(f"{enrol} right", user, [right], "PAM_SUCCESS", fm, verified=True,
              texts=[CODE_PROMPT])
        m.run(f"{enrol} replayed x3", user, [right] * 3, "PAM_MAXTRIES", fm,
              texts=["error: That code was already used; wait for the next one.",
                     "error: Too many wrong codes."])
        m.run(f"{enrol} wrong x3", user, [bad] * 3, "PAM_MAXTRIES", fm,
              texts=["error: Wrong code, try again.", "error: Too many wrong codes."])
        m.run(f"{enrol} empty x3", user, [""] * 3, "PAM_MAXTRIES", fm,
              texts=["error: No code entered."])
        if backup:
            m.run(f"{enrol} backup code", user, [codes[0]], "PAM_SUCCESS", fm, verified=True)
            m.run(f"{enrol} used backup code x3", user, [codes[0]] * 3, "PAM_MAXTRIES", fm)
            # A wrong answer, then a good backup code in the same conversation.
            m.run(f"{enrol} wrong then backup code", user, [bad, codes[1]], "PAM_SUCCESS", fm,
                  verified=True, texts=["error: Wrong code, try again."])
        else:
            m.run(f"{enrol} spent backup code x3", user, [codes[0] if codes else "abcd-efgh"] * 3,
                  "PAM_MAXTRIES", fm)
        # The conversation ends at the first verified factor: no further prompt.
        m.run(f"{enrol} cancelled at prompt", user, ["@CONV_ERR"], "PAM_CONV_ERR", fm)


def unenrolled_cases(m, user):
    expect = {"off": "PAM_IGNORE", "optional": "PAM_IGNORE", "grace": "PAM_IGNORE"}
    for fm in FAILMODES:
        reset_user(m.inst, user)
        if m.policy in expect:
            texts = [GRACE_TEXT] if m.policy == "grace" else []
            forbid = [] if m.policy == "grace" else ["info:", "error:"]
            m.run("none, any answer", user, ["@CONV_ERR"], expect[m.policy], fm, texts=texts,
                  forbid=forbid + ["prompt-"])
            continue
        # required, grace over: in-band enrolment. Wrong and empty answers end in a deny and
        # leave no active factor (the pending one stays for the retry: test_pam_enrol_retry);
        # the right-answer path is test_enrol_at_login.
        m.run("none, wrong x3 at enrolment", user, ["000000"] * 3, "PAM_AUTH_ERR", fm,
              texts=["Or enter this key by hand: ",
                     "Wrong code; check the time on your device.\nType the 6-digit code",
                     "error: Enrolment failed: too many wrong codes."])
        m.run("none, empty x3 at enrolment", user, [""] * 3, "PAM_AUTH_ERR", fm)
        r = m.inst.unix_request("GET", f"/v1/apps/system/users/{user}/factors")
        active = [f for f in r.json()["factors"] if f["status"] == "active"]
        if active:
            m.failures.append(f"[{m.policy}] failed enrolment left active factors: {active}")


def alias_cases(m, aliases):
    """Each alias of an enrolled account (after enrolled_cases), under both failmodes: refused
    before any prompt, never the PAM_IGNORE of an account without factors, nor a grace
    period or an enrolment of its own; and nothing is stored under the alias."""
    for alias in aliases:
        for fm in FAILMODES:
            m.run("alias", alias, ["@CONV_ERR"], "PAM_AUTH_ERR", fm, texts=[ALIAS_REFUSED],
                  forbid=["prompt-", "info:"])
    kept = store_users(m.inst) & set(aliases)
    if kept:
        m.failures.append(f"[{m.policy}] the daemon keeps state under alias names: {kept}")


def starvation_cases(m, user):
    """The TCP budget full of idle connections from 127.0.0.2-9 (issue 10): logins over the
    socket are untouched, and a wrong code is refused under failmode=open too."""
    squatters = squat_tcp(m.inst, per_address=2)
    try:
        for fm in FAILMODES:
            if m.policy == "off":
                m.run("TCP budget full, any answer", user, ["@CONV_ERR"], "PAM_IGNORE", fm,
                      forbid=["prompt-"])
                continue
            secret, _ = fresh_totp(m.inst, user)
            m.run("TCP budget full, right code", user, [code_at(secret, +1)], "PAM_SUCCESS", fm,
                  verified=True, texts=[CODE_PROMPT])
            m.run("TCP budget full, wrong x3", user, [wrong_code(secret)] * 3, "PAM_MAXTRIES", fm)
        if not all(still_open(s) for s in squatters):
            m.failures.append(f"[{m.policy}] squatters were dropped: the budget was not full")
    finally:
        for s in squatters:
            s.close()


def stop(inst):
    """SIGSTOP, then wait until every thread of the daemon is stopped (state T): the signal is
    asynchronous, and a thread still running could take the next request before it stops."""
    inst.proc.send_signal(signal.SIGSTOP)
    deadline = time.monotonic() + 10
    tasks = f"/proc/{inst.proc.pid}/task"
    while time.monotonic() < deadline:
        states = []
        for t in os.listdir(tasks):
            try:
                with open(f"{tasks}/{t}/stat") as f:
                    states.append(f.read().rsplit(")", 1)[1].split()[0])
            except FileNotFoundError:
                pass  # a thread that just exited
        if states and all(s in ("T", "t") for s in states):
            return
        time.sleep(0.005)
    raise AssertionError("mfad did not stop after SIGSTOP")


def resume(inst):
    """SIGCONT, then wait until the daemon answers again: on a loaded machine its threads can
    take a while to run, and the next case's short module timeout must not pay for that."""
    inst.proc.send_signal(signal.SIGCONT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if inst.unix_request("GET", "/v1/health", timeout=2).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"mfad did not answer after SIGCONT:\n{inst.log()[-2000:]}")


def daemon_failure_cases(m, user):
    """Daemon stopped (SIGSTOP: connect works, nothing answers -> timeout), mid-conversation
    stop, killed with a stale socket, and gone."""
    inst = m.inst
    opts = "timeout=400"
    stop(inst)
    try:
        for fm in FAILMODES:
            res = m.pam.run(user, ["123456"], options=f"failmode={fm} {opts}")
            m.check(f"stopped daemon (slow) failmode={fm}", res, ALIVE, max_seconds=3.0)
            if "timed out" not in res.log:
                m.failures.append(f"[{m.policy}] stopped daemon: log lacks 'timed out'\n{res.log}")
    finally:
        resume(inst)
    if m.policy in ("optional", "required", "grace"):
        # Stopped between the prompt and the answer: never an open door, even failmode=open.
        secret, _ = fresh_totp(inst, user)
        for fm in FAILMODES:
            def respond(text):
                assert CODE_PROMPT in "prompt-off: " + text.split("prompt-off: ", 1)[-1], text
                stop(inst)
                return code_at(secret, +1)
            try:
                res = m.pam.run_interactive(user, respond, options=f"failmode={fm} {opts}")
            finally:
                resume(inst)
            m.check(f"stopped mid-conversation failmode={fm}", res, "PAM_AUTHINFO_UNAVAIL")
        # The answers sat in the socket while the daemon was stopped; on SIGCONT it reads them
        # after the module's deadline and must refuse them untouched (no verification, no
        # audited success, the code not consumed): check_successes() below counts on it.
        deadline = time.monotonic() + 10
        while inst.log().count("refused untouched") < 2 * len(FAILMODES):
            if time.monotonic() > deadline:
                m.failures.append(f"[{m.policy}] late requests not refused:\n{inst.log()[-2000:]}")
                break
            time.sleep(0.05)
    # SIGKILL leaves the socket node behind: connect() is refused.
    inst.kill()
    assert os.path.exists(inst.socket)
    for fm in FAILMODES:
        m.check(f"killed daemon, stale socket failmode={fm}",
                m.pam.run(user, ["123456"], options=f"failmode={fm}"), GONE[fm])
    os.unlink(inst.socket)
    for fm in FAILMODES:
        res = m.pam.run(user, ["123456"], options=f"failmode={fm}")
        m.check(f"daemon down, no socket failmode={fm}", res, GONE[fm])
    inst.start()


@pytest.mark.parametrize("policy", list(POLICIES))
def test_pam_matrix(mfad_factory, test_user, aliases, policy):
    inst = mfad_factory(start=False, http=MATRIX_HTTP)
    (inst.dir / "policy.yaml").write_text(POLICIES[policy])
    inst.start()
    m = Matrix(inst, policy)
    mfa = policy != "off"
    for fm in FAILMODES:
        m.run("unknown Unix user", "nosuchuser-mfa", ["@CONV_ERR"], "PAM_USER_UNKNOWN", fm)
    unenrolled_cases(m, test_user)
    enrolled_cases(m, "root", backup=True, mfa_expected=mfa)
    enrolled_cases(m, test_user, backup=False, mfa_expected=mfa)
    alias_cases(m, aliases)
    starvation_cases(m, test_user)
    daemon_failure_cases(m, test_user)
    # After the daemon failures too: an answer the module gave up on is never verified later.
    m.check_successes()
    n = m.finish()
    print(f"{policy}: {n} cases")


def test_pam_garbage_daemon(tmp_path):
    """Something answers on the socket, but not mfad's protocol (tests/pam/fake_mfad.py): it is
    there, so failmode=open does not apply."""
    sock = str(tmp_path / "fake.sock")
    os.chmod(tmp_path, 0o755)
    garbage = [{"raw": "hello world\r\n\r\n"}, {"status": 200, "body": "<html>ok</html>"},
               {"status": 200, "body": '{"step":{"type":"done","result":"success"}'},
               {"status": 500, "json": {"error": {"code": "internal", "message": "x"}}}]
    pam = PamHarness(sock)
    failures = []
    for g in garbage:
        for fm in FAILMODES:
            scenario = tmp_path / "scenario.json"
            scenario.write_text(json.dumps({"exchanges": [{"expect": {}, "respond": g}]}))
            p = subprocess.Popen([sys.executable, str(ROOT / "tests/pam/fake_mfad.py"),
                                  "--socket", sock, "--scenario", str(scenario), "--report",
                                  str(tmp_path / "report.json")], stdout=subprocess.PIPE)
            try:
                assert p.stdout.readline().strip() == b"READY"
                res = pam.run("root", ["123456"], options=f"failmode={fm}")
            finally:
                p.kill()
                p.wait()
            if res.rc != ALIVE:
                failures.append(f"{g} failmode={fm}: {res.rc}\n{res.transcript}")
            if os.path.exists(sock):
                os.unlink(sock)
    assert not failures, "\n".join(failures)


def test_lockout(mfad_factory, test_user):
    inst = start_with_policy(mfad_factory, "defaults: {mode: required, factors: [totp, "
                             "backup_code], grace_period: 0s, lockout: {attempts: 3, "
                             "window: 10m}}\n")
    pam = PamHarness(inst.socket)
    secret, codes = fresh_totp(inst, test_user)
    bad = wrong_code(secret)
    first = pam.run(test_user, [bad] * 3)
    # The third failure reaches the limit inside the conversation: deny with the wait.
    assert first.rc == "PAM_AUTH_ERR", first
    assert first.transcript.count("error: Wrong code, try again.") == 2, first
    assert "error: Too many failed attempts. Try again in 600 seconds." in first.transcript
    # A new conversation is refused before any prompt, with the wait in the text, and even the
    # right code or a backup code cannot get through.
    for answers in ([code_at(secret, +1)], [codes[0]]):
        res = pam.run(test_user, answers)
        assert res.rc == "PAM_AUTH_ERR", res
        assert "prompt-" not in res.transcript, res
        assert "error: Too many failed attempts. Try again in " in res.transcript, res
        wait = int(res.transcript.split("Try again in ")[1].split()[0])
        assert 0 < wait <= 600, res
    # Another account is not affected.
    secret_root, _ = fresh_totp(inst, "root")
    assert pam.run("root", [code_at(secret_root, +1)]).rc == "PAM_SUCCESS"


def test_enrol_at_login(mfad_factory, test_user):
    inst = start_with_policy(mfad_factory, "defaults: {mode: required, factors: [totp, "
                             "backup_code], grace_period: 0s}\n")
    pam = PamHarness(inst.socket)
    reset_user(inst, test_user)
    seen = {}

    def respond(text):
        if "Or enter this key by hand: " in text:
            seen["qr"] = text
            seen["secret"] = hand_key(text)
            return code_at(seen["secret"], 0)
        seen["codes"] = text
        return ""

    res = pam.run_interactive(test_user, respond)
    assert res.rc == "PAM_SUCCESS", res
    qr = seen["qr"]
    assert qr.startswith("prompt-on: Multi-factor authentication is required"), qr
    assert any(b in qr for b in HALF_BLOCKS), qr
    assert "\x1b" not in qr, "the QR code must not carry ANSI escapes"
    assert qr.rstrip("\n").endswith("Then type the 6-digit code the app shows: "), qr
    codes_text = seen["codes"]
    assert codes_text.startswith("prompt-on: Your authenticator app is set up."), codes_text
    assert codes_text.rstrip("\n").endswith("Press Enter to continue: "), codes_text
    backup = [w for line in codes_text.splitlines() for w in line.split()
              if len(w) == 9 and w[4] == "-"]
    assert len(backup) == 10, codes_text
    # The factor is active afterwards, as mfactl reports it.
    out = inst.mfactl("--json", "factors", test_user)
    assert out.returncode == 0, out
    factors = json.loads(out.stdout)["factors"]
    assert [f["status"] for f in factors] == ["active"] and factors[0]["type"] == "totp", factors
    # The next login asks for a code; the shown backup codes and the app's next code work.
    assert pam.run(test_user, [backup[3]]).rc == "PAM_SUCCESS"
    assert pam.run(test_user, [code_at(seen["secret"], +1)]).rc == "PAM_SUCCESS"


def test_enrol_at_login_refused(mfad_factory, test_user):
    inst = start_with_policy(mfad_factory, "defaults: {mode: required, grace_period: 0s, "
                             "enroll_at_login: false}\n")
    reset_user(inst, test_user)
    res = PamHarness(inst.socket).run(test_user, ["@CONV_ERR"])
    assert res.rc == "PAM_AUTH_ERR", res
    assert "error: MFA is required for this account and no factor is enrolled." in res.transcript
    assert "prompt-" not in res.transcript, res


def test_grace_message(mfad_factory, test_user):
    inst = start_with_policy(mfad_factory, POLICIES["grace"])
    reset_user(inst, test_user)
    pam = PamHarness(inst.socket)
    for _ in range(2):  # the grace period started at the first login and still runs
        res = pam.run(test_user, ["@CONV_ERR"])
        assert res.rc == "PAM_IGNORE", res
        assert GRACE_TEXT + " to set it up.\n" in res.transcript, res


def test_picker_two_factors(mfad_factory, test_user):
    inst = start_with_policy(mfad_factory, POLICIES["required"])
    pam = PamHarness(inst.socket)
    reset_user(inst, test_user)
    _, phone, codes = enroll_totp(inst, test_user, label="phone")
    _, tablet, _ = enroll_totp(inst, test_user, label="tablet")
    # Both were activated within this second: pick phone by its number, whichever it is.
    time.sleep(1.1)  # last use has 1 s resolution: make phone's use strictly the latest

    def pick_phone(text):
        if "Choose a factor:" in text:
            assert "A backup code is also accepted. Number or code [1]: " in text, text
            return "1" if "1) Authenticator app 'phone'" in text else "2"
        assert text == CODE_PROMPT + "\n", text
        return code_at(phone, +1)

    res = pam.run_interactive(test_user, pick_phone)
    assert res.rc == "PAM_SUCCESS", res
    # phone was just used: it is option 1 now. The choice binds the code to that factor, so
    # tablet's code is wrong there.
    res = pam.run(test_user, ["", code_at(tablet, +1), "@CONV_ERR"])
    assert "  1) Authenticator app 'phone'\n  2) Authenticator app 'tablet'\n" in res.transcript
    assert res.rc == "PAM_CONV_ERR" and "error: Wrong code, try again." in res.transcript, res
    # A code typed at the picker goes to whichever factor it belongs to.
    res = pam.run(test_user, [code_at(tablet, +1)])
    assert res.rc == "PAM_SUCCESS", res
    assert CODE_PROMPT not in res.transcript, res
    res = pam.run(test_user, ["9", "@CONV_ERR"])
    assert "error: No factor number 9." in res.transcript, res
    assert "prompt-on: Number [1]: " in res.transcript, res
    res = pam.run(test_user, [codes[0]])
    assert res.rc == "PAM_SUCCESS", res
