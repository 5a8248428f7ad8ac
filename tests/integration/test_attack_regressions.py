"""What held in the attack on a running daemon (issue 10), kept as tests against the real
daemon so that it keeps holding:
- every route, called by a non-admin uid on the Unix socket for another user (root), is
  refused and changes nothing; the few routes open to that uid show none of root's data;
- every app route, called over TCP with an API key of another app, is refused; keys without
  the needed scope are refused on every route that needs more;
- 20 parallel verifications of one TOTP code approve exactly one; one backup code used 20
  times in parallel is accepted once;
- no secret (TOTP seed, backup code, API key secret, accepted code) in the database, its WAL,
  the log, the audit trail or /metrics.
Routes come from the code (test_openapi_routes.extract_routes): a new route must be
classified here, or the test fails."""

import json
import os
import re
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine_helpers import REQUIRED, code_at, enroll_totp, login, start_with_policy
from test_openapi_routes import extract_routes

ROUTES = sorted(extract_routes())

# Open to any local uid, with only the caller's own data (checked below) or none.
OPEN_TO_NON_ADMIN = {("GET", "/v1/health"), ("GET", "/metrics"), ("GET", "/v1/audit"),
                     ("GET", "/v1/apps/{app}/audit"), ("GET", "/v1/apps/{app}/challenges")}


def as_nobody(inst, method, path, body=None):
    """One request over the Unix socket from uid `nobody` (curl under setpriv)."""
    cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "curl", "-s",
           "-w", "\n%{http_code}", "--unix-socket", inst.socket, "-X", method,
           f"http://localhost{path}"]
    if body is not None:
        cmd += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=True).stdout
    text, _, code = out.rpartition("\n")
    return int(code), text


def fill(pattern, app, user, ids):
    path = pattern.replace("{app}", app).replace("{user}", user).replace("{token}", "tok.x")
    if "/factors/" in pattern:
        return path.replace("{id}", ids["factor"])
    if "/apikeys/" in pattern:
        return path.replace("{id}", ids["apikey"])
    return path.replace("{id}", ids["challenge"])


def body_for(method, user):
    if method != "POST":
        return None
    return {"user": user, "service": "sshd", "type": "totp", "label": "x", "purpose": "login",
            "code": "123456", "name": "x", "scopes": ["admin"], "factor_id": "f_x"}


def root_state(inst):
    factors = inst.unix_request("GET", "/v1/apps/system/users/root/factors").json()["factors"]
    keys = inst.unix_request("GET", "/v1/apps/system/apikeys").json()["api_keys"]
    return ([(f["id"], f["status"]) for f in factors], sorted(k["id"] for k in keys),
            inst.unix_request("GET", "/v1/apps/system/users/root/backup-codes").json())


def test_non_admin_uid_is_refused_on_every_route_for_another_user(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    os.chmod(inst.dir, 0o711)  # `nobody` reaches the 0666 socket
    factor_id, _, _ = enroll_totp(inst, "root")
    challenge = login(inst, "root").json()["challenge"]["id"]
    key = inst.create_api_key("system", ["admin"])
    ids = {"factor": factor_id, "apikey": key["id"], "challenge": challenge}
    before = root_state(inst)
    refused = 0
    for method, pattern in ROUTES:
        status, text = as_nobody(inst, method, fill(pattern, "system", "root", ids),
                                 body_for(method, "root"))
        if (method, pattern) in OPEN_TO_NON_ADMIN:
            assert status == 200, (method, pattern, status, text)
            assert "root" not in text and challenge not in text and factor_id not in text, \
                (method, pattern, text[:300])
            continue
        assert status in (403, 404), (method, pattern, status, text)
        refused += 1
    assert refused >= 33
    assert root_state(inst) == before
    ch = inst.unix_request("GET", f"/v1/apps/system/challenges/{challenge}").json()
    assert ch["status"] == "pending"


# The routes each scope opens over TCP (the admin scope opens all). Everything else under
# /v1/apps/{app} must be refused to that key. Derived from DESIGN.md section 3 and
# daemon/src/api/access.h (and what each route declares at router.add); a 4xx such as 409 (wrong state) is also not an opening.
VERIFY_SCOPE = {("POST", "/v1/apps/{app}/logins"), ("POST", "/v1/apps/{app}/challenges"),
                ("GET", "/v1/apps/{app}/challenges"), ("GET", "/v1/apps/{app}/challenges/{id}"),
                ("POST", "/v1/apps/{app}/challenges/{id}/cancel"),
                ("POST", "/v1/apps/{app}/challenges/{id}/resend"),
                ("POST", "/v1/apps/{app}/challenges/{id}/send"),
                ("POST", "/v1/apps/{app}/challenges/{id}/verify"),
                ("GET", "/v1/apps/{app}/challenges/{id}/webauthn-options"),
                ("POST", "/v1/apps/{app}/passkey-logins"),
                ("POST", "/v1/apps/{app}/passkey-logins/{id}/verify"),
                ("GET", "/v1/apps/{app}/users/{user}/backup-codes"),
                ("GET", "/v1/apps/{app}/users/{user}/factors"),
                ("GET", "/v1/apps/{app}/users/{user}/mfa")}
ENROLL_SCOPE = {("POST", "/v1/apps/{app}/users/{user}/enroll-links"),
                ("POST", "/v1/apps/{app}/users/{user}/factors"),
                ("POST", "/v1/apps/{app}/users/{user}/factors/{id}/activate")}


def test_api_keys_stay_in_their_app_and_scope(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    factor_id, _, _ = enroll_totp(inst, "alice", app="a")
    challenge = login(inst, "alice", app="a").json()["challenge"]["id"]
    admin = inst.create_api_key("a", ["admin"])
    ids = {"factor": factor_id, "apikey": admin["id"], "challenge": challenge}
    keys = {"verify": inst.create_api_key("a", ["verify"])["key"],
            "enroll": inst.create_api_key("a", ["enroll"])["key"],
            "other-app admin": inst.create_api_key("b", ["admin"])["key"]}
    allowed = {"verify": VERIFY_SCOPE, "enroll": ENROLL_SCOPE, "other-app admin": set()}
    app_routes = [r for r in ROUTES if "{app}" in r[1]]
    assert len(app_routes) >= 25
    cases = 0
    for method, pattern in app_routes:
        path = fill(pattern, "a", "alice", ids)
        for name, key in keys.items():
            if (method, pattern) in allowed[name]:
                continue
            r = inst.tcp_request(method, path, body_for(method, "alice"), api_key=key)
            assert r.status in (403, 404), (name, method, pattern, r)
            cases += 1
    assert cases >= 25
    # The admin key itself still works, and nothing was changed by the refused calls.
    factors = inst.tcp_request("GET", "/v1/apps/a/users/alice/factors", api_key=admin["key"])
    assert [f["id"] for f in factors.json()["factors"]] == [factor_id]


def parallel(n, fn):
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


LENIENT = REQUIRED.replace("attempts: 3", "attempts: 100")


def test_one_totp_code_in_parallel_is_approved_once(mfad_factory):
    inst = start_with_policy(mfad_factory, LENIENT)
    _, secret, _ = enroll_totp(inst, "root")
    # 10 pending challenges is the per-user cap: each gets two of the 20 parallel attempts.
    challenges = [login(inst, "root").json()["challenge"]["id"] for _ in range(10)] * 2
    code = code_at(secret, 1)  # the next step: the activation used the current one
    results = parallel(20, lambda i: inst.unix_request(
        "POST", f"/v1/apps/system/challenges/{challenges[i]}/verify", {"code": code}))
    statuses = sorted(r.status for r in results)
    assert statuses.count(200) == 1, statuses
    approved = [c for c in set(challenges)
                if inst.unix_request("GET", f"/v1/apps/system/challenges/{c}").json()["status"]
                == "approved"]
    assert len(approved) == 1


def test_one_backup_code_in_parallel_is_accepted_once(mfad_factory):
    inst = start_with_policy(mfad_factory, LENIENT)
    _, _, codes = enroll_totp(inst, "root")
    challenges = [login(inst, "root").json()["challenge"]["id"] for _ in range(10)] * 2
    results = parallel(20, lambda i: inst.unix_request(
        "POST", f"/v1/apps/system/challenges/{challenges[i]}/verify", {"code": codes[0]}))
    assert sorted(r.status for r in results).count(200) == 1
    left = inst.unix_request("GET", "/v1/apps/system/users/root/backup-codes").json()
    assert left["remaining"] == 9, left


def test_no_secret_at_rest_or_in_logs(mfad_factory):
    inst = start_with_policy(mfad_factory, LENIENT)
    factor_id, secret, codes = enroll_totp(inst, "root")
    key = inst.create_api_key("system", ["admin"])["key"]
    ch = login(inst, "root").json()["challenge"]["id"]
    accepted = code_at(secret, 1)
    assert inst.unix_request("POST", f"/v1/apps/system/challenges/{ch}/verify",
                             {"code": accepted}).status == 200
    ch2 = login(inst, "root").json()["challenge"]["id"]
    assert inst.unix_request("POST", f"/v1/apps/system/challenges/{ch2}/verify",
                             {"code": codes[1]}).status == 200
    key_secret = key.rsplit("_", 1)[1]
    seed_hex = __import__("base64").b32decode(secret + "=" * (-len(secret) % 8)).hex()
    needles = {"totp seed": secret, "seed bytes (hex)": seed_hex, "api key secret": key_secret,
               "accepted code": accepted, **{f"backup code {i}": c for i, c in enumerate(codes)}}
    audit = inst.unix_request("GET", "/v1/apps/system/audit?limit=1000").body.decode()
    metrics = inst.unix_request("GET", "/metrics").body.decode()
    assert inst.stop() == 0  # flush the log; the WAL stays (not checkpointed on every commit)
    blobs = {"log": inst.log(), "audit": audit, "metrics": metrics}
    for name in ("mfad.db", "mfad.db-wal"):
        p = inst.dir / name
        if p.exists():
            raw = p.read_bytes()
            blobs[name] = raw.decode("latin-1") + raw.hex()
    assert "mfad.db" in blobs
    for where, text in blobs.items():
        for what, needle in needles.items():
            # 6-digit codes are short enough to occur by chance in binary data: only the
            # text sources are searched for the accepted code.
            if what == "accepted code" and where.startswith("mfad.db"):
                continue
            assert needle.lower() not in text.lower(), f"{what} found in {where}"
    assert re.search(r"mfa_succeeded", audit)


def test_every_change_to_what_protects_an_account_needs_step_up(mfad_factory):
    """A user with an active factor, acting on themselves: adding a factor (TOTP or passkey),
    a self-service enrolment link, removing a factor, regenerating backup codes all answer 403
    without a fresh code from an existing factor, and go through with one; a reset stays an
    admin's. (Local security keys need a fido2 device: tests/unit/test_local_keys.cc.)"""
    from test_webauthn_api import WEBAUTHN
    inst = mfad_factory(start=False, config_extra=WEBAUTHN)
    (inst.dir / "policy.yaml").write_text(
        REQUIRED.replace("totp, backup_code", "totp, backup_code, webauthn"))
    inst.start()
    os.chmod(inst.dir, 0o711)
    base = "/v1/apps/system/users/nobody"
    status, text = as_nobody(inst, "POST", f"{base}/factors", {"type": "totp", "label": "a"})
    assert status == 201, text  # the first factor needs no step-up
    first = json.loads(text)
    from engine_helpers import oathtool_code
    status, _ = as_nobody(inst, "POST", f"{base}/factors/{first['factor_id']}/activate",
                          {"code": oathtool_code(first["secret"])})
    assert status == 200
    protected = [("POST", f"{base}/factors", {"type": "totp", "label": "b"}),
                 ("POST", f"{base}/factors", {"type": "webauthn", "label": "b"}),
                 ("POST", f"{base}/enroll-links", {}),
                 ("DELETE", f"{base}/factors/{first['factor_id']}", None),
                 ("POST", f"{base}/backup-codes", None)]
    for method, path, body in protected:
        status, text = as_nobody(inst, method, path, body)
        assert status == 403 and "step_up_code" in text, (method, path, status, text)
    status, text = as_nobody(inst, "POST", f"{base}/reset", None)
    assert status == 403 and "admin" in text
    factors = inst.unix_request("GET", f"{base}/factors").json()["factors"]
    assert [(f["id"], f["status"]) for f in factors] == [(first["factor_id"], "active")]
    # With a fresh code the change goes through (regeneration: 10 new codes).
    status, text = as_nobody(inst, "POST", f"{base}/backup-codes",
                             {"step_up_code": code_at(first["secret"], 1)})
    assert status == 200 and len(json.loads(text)["backup_codes"]) == 10, text
