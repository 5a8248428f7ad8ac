"""Issue 10 finding 2: one local user cannot fill the daemon's table of PAM conversations.

The table has a global cap (limits::kMaxPamConversations = 1024). Before the fix it had no
other bound, so an unprivileged uid (a "screen locker" authenticating itself) that opened 1024
in-band enrolment conversations gave every other login, root's included, a 429 for 5 minutes.
Now a non-admin uid holds at most limits::kMaxPamConversationsPerUid, one PAM user at most
limits::kMaxPamConversationsPerUser, a new enrolment replaces the user's previous one (whose
pending factor the new one deletes anyway), and a non-admin's new conversation for the same
(user, service, tty) replaces its old one.

The unprivileged client is a short Python script run with setpriv as the throw-away user; it
talks HTTP over the Unix socket like pam_mfa.so does.
"""

import json
import os
import pwd
import subprocess

import pytest

from engine_helpers import code_at, start_with_policy
from pam_helpers import (PamHarness, _userdel, fresh_totp, make_test_user, reset_user,
                         test_user)  # noqa: F401

POLICY = ("defaults: {mode: required, factors: [totp, backup_code], grace_period: 0s, "
          "lockout: {attempts: 100, window: 15m}}\n")
OTHER_USER = "mfatest2"
GLOBAL_CAP = 1024  # limits::kMaxPamConversations
PER_UID_CAP = 4    # limits::kMaxPamConversationsPerUid
PER_USER_CAP = 8   # limits::kMaxPamConversationsPerUser

# Starts conversations for USER until one is not a prompt (or N were opened). argv: socket,
# user, n, tty mode ("distinct": pts/0, pts/1, ...; "same": pts/0 each time). Prints JSON:
# {"opened": [ids], "refusal": {"status": s, "body": b} | null}.
CLIENT = r"""
import http.client, json, socket, sys
sock, user, n, ttys = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(20)
        self.sock.connect(sock)
opened, refusal = [], None
for i in range(n):
    tty = "pts/%d" % (i if ttys == "distinct" else 0)
    c = C("localhost")
    c.request("POST", "/v1/pam/conversations", json.dumps(
        {"service": "mfa-caps", "user": user, "rhost": "", "tty": tty, "ruser": ""}),
        {"Content-Type": "application/json"})
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    if r.status != 200 or json.loads(body)["step"]["type"] != "prompt":
        refusal = {"status": r.status, "body": body}
        break
    opened.append(json.loads(body)["id"])
print(json.dumps({"opened": opened, "refusal": refusal}))
"""


def open_many(inst, user, n, ttys="distinct", runner=None):
    cmd = ["/usr/bin/python3", "-c", CLIENT, inst.socket, user, str(n), ttys]
    if runner is not None:
        pw = pwd.getpwnam(runner)
        cmd = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups",
               "--reset-env", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out
    return json.loads(out.stdout)


def start_conv(inst, user, tty="pts/99"):
    return inst.unix_request("POST", "/v1/pam/conversations",
                             {"service": "mfa-caps", "user": user, "rhost": "", "tty": tty,
                              "ruser": ""})


def assert_prompt(r, what):
    assert r.status == 200, f"{what}: {r}"
    assert r.json()["step"]["type"] == "prompt", f"{what}: {r}"


def assert_rate_limited(refusal, what):
    assert refusal is not None, f"{what}: never refused"
    assert refusal["status"] == 429, f"{what}: {refusal}"
    err = json.loads(refusal["body"])["error"]
    assert err["code"] == "rate_limited" and "too many PAM conversations" in err["message"], err


@pytest.fixture
def caps(mfad_factory, test_user):  # noqa: F811
    inst = start_with_policy(mfad_factory, POLICY)
    os.chmod(inst.dir, 0o755)  # the test users' own processes reach the socket (mode 0666)
    other = make_test_user(OTHER_USER)
    try:
        yield inst, test_user, other
    finally:
        _userdel(other)


def test_unprivileged_enrolments_do_not_fill_the_table(caps):
    inst, user, other = caps
    for u in (user, other, "root"):
        reset_user(inst, u)
    # Under `required` with no grace left and no factor, each start is an in-band enrolment
    # conversation with no challenge behind it. The user tries one past the global cap.
    got = open_many(inst, user, GLOBAL_CAP + 1, runner=user)
    # Root's login and another user's (through root, and run as that user) still start.
    assert_prompt(start_conv(inst, "root"), "root after the flood")
    assert_prompt(start_conv(inst, other), f"{other} through root after the flood")
    again = open_many(inst, other, 1, runner=other)
    assert len(again["opened"]) == 1, again
    # Each enrolment replaced the previous one (whose pending factor it deleted): the user
    # holds one conversation, the latest, and the first id is gone.
    assert got["opened"], got
    r = inst.unix_request("POST", f"/v1/pam/conversations/{got['opened'][0]}", {"answer": "1"})
    assert r.status == 404, r


def test_unprivileged_uid_cap_on_code_prompts(caps):
    inst, user, other = caps
    secret, _ = fresh_totp(inst, user)
    # Enrolled: each start holds a challenge and a code prompt. Distinct ttys, so none
    # replaces another: the uid is refused once it holds its cap, with a clear 429.
    got = open_many(inst, user, 50, runner=user)
    assert len(got["opened"]) == PER_UID_CAP, got
    assert_rate_limited(got["refusal"], f"{user}'s own conversation past the per-uid cap")
    # Root (sshd, sudo) still starts a login for that same user, and a code completes it.
    r = start_conv(inst, user)
    assert_prompt(r, f"root for {user}")
    cid = r.json()["id"]
    r = inst.unix_request("POST", f"/v1/pam/conversations/{cid}", {"answer": code_at(secret, +1)})
    assert r.status == 200 and r.json()["step"] == {"type": "done", "result": "success"}, r
    reset_user(inst, other)
    assert_prompt(start_conv(inst, other), f"root for {other}")


def test_same_tty_replaces_the_old_conversation(caps):
    inst, user, _ = caps
    fresh_totp(inst, user)
    # A screen locker that gives up and starts again on the same tty: the old conversation
    # (and its challenge) is dropped, so it neither hits the cap nor piles up challenges
    # (limits::kMaxPendingChallengesPerUser = 10).
    got = open_many(inst, user, 15, ttys="same", runner=user)
    assert got["refusal"] is None and len(got["opened"]) == 15, got
    for old in got["opened"][:-1]:
        r = inst.unix_request("POST", f"/v1/pam/conversations/{old}", {"answer": "1"})
        assert r.status == 404, (old, r)
    r = inst.unix_request("GET", f"/v1/apps/system/challenges?user={user}&status=pending")
    assert r.status == 200, r
    assert len(r.json()["challenges"]) == 1, r


def test_per_user_cap_through_root(caps):
    inst, user, other = caps
    fresh_totp(inst, other)
    # Root serves every user; one user's conversations are bounded below the global cap.
    got = open_many(inst, other, 50)
    assert len(got["opened"]) == PER_USER_CAP, got
    assert_rate_limited(got["refusal"], f"root for {other} past the per-user cap")
    # The module maps the refusal to a failure, never a pass.
    res = PamHarness(inst.socket).run(other, ["123456"])
    assert res.rc == "PAM_AUTH_ERR", res
    # Other users are unaffected.
    reset_user(inst, "root")
    assert_prompt(start_conv(inst, "root"), "root after the per-user cap")
    fresh_totp(inst, user)
    assert len(open_many(inst, user, 1, runner=user)["opened"]) == 1
