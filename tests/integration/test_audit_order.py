"""Issue 20, item 2: `mfactl audit` shows the newest events first (the default limit used to
show the oldest 50 forever), `--reverse` the oldest first, `--follow` starts at the end; the
API pages newest first with `before_id` and says where the next page starts."""

import json
import subprocess
import time

from conftest import MFACTL


def plant_events(inst, n):
    """n audit events with known order: reloading the policy is audited each time."""
    for _ in range(n):
        r = inst.unix_request("POST", "/v1/policy/reload", {})
        assert r.status == 200, r
    events = inst.unix_request("GET", "/v1/audit?event=policy.reloaded&order=asc&limit=1000")
    ids = [e["id"] for e in events.json()["events"]]
    assert len(ids) == n and ids == sorted(ids), ids
    return ids


def test_api_pages_newest_first_with_a_cursor(mfad):
    ids = plant_events(mfad, 7)
    q = "/v1/audit?event=policy.reloaded&limit=3"
    page1 = mfad.unix_request("GET", q).json()
    assert [e["id"] for e in page1["events"]] == ids[::-1][:3]
    assert page1["next"] == {"before_id": ids[4]}
    page2 = mfad.unix_request("GET", f"{q}&before_id={page1['next']['before_id']}").json()
    assert [e["id"] for e in page2["events"]] == [ids[3], ids[2], ids[1]]
    page3 = mfad.unix_request("GET", f"{q}&before_id={page2['next']['before_id']}").json()
    assert [e["id"] for e in page3["events"]] == [ids[0]] and "next" not in page3
    asc = mfad.unix_request("GET", f"{q}&order=asc").json()
    assert [e["id"] for e in asc["events"]] == ids[:3] and asc["next"] == {"after_id": ids[2]}
    r = mfad.unix_request("GET", f"{q}&order=sideways")
    assert r.status == 400 and "order" in r.json()["error"]["message"], r


def test_mfactl_audit_newest_first_and_reverse(mfad):
    ids = plant_events(mfad, 5)
    out = mfad.mfactl("--json", "audit", "--event", "policy.reloaded", "--limit", "3")
    assert out.returncode == 0, out.stderr
    assert [json.loads(line)["id"] for line in out.stdout.splitlines()] == ids[::-1][:3]
    out = mfad.mfactl("--json", "audit", "--event", "policy.reloaded", "--limit", "3",
                      "--reverse")
    assert [json.loads(line)["id"] for line in out.stdout.splitlines()] == ids[:3]
    out = mfad.mfactl("audit", "--follow", "--reverse")
    assert out.returncode == 2 and "usage" in out.stderr


def test_mfactl_audit_follow_starts_at_the_end(mfad):
    ids = plant_events(mfad, 6)
    proc = subprocess.Popen([str(MFACTL), "--socket", mfad.socket, "--json", "audit", "--event",
                             "policy.reloaded", "--limit", "2", "--follow"],
                            stdout=subprocess.PIPE, text=True)
    try:
        # The last two, in the order they happened, then a new one as it comes.
        seen = [json.loads(proc.stdout.readline())["id"] for _ in range(2)]
        assert seen == ids[-2:], seen
        new = plant_events_after(mfad, ids[-1])
        got = json.loads(proc.stdout.readline())["id"]
        assert got == new, (got, new)
    finally:
        proc.kill()
        proc.wait()


def plant_events_after(inst, last_id):
    assert inst.unix_request("POST", "/v1/policy/reload", {}).status == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        events = inst.unix_request("GET", f"/v1/audit?event=policy.reloaded&after_id={last_id}")
        if events.json()["events"]:
            return events.json()["events"][0]["id"]
        time.sleep(0.05)
    raise AssertionError("the reload was not audited")


def test_cancelling_a_challenge_is_audited(mfad_factory):
    # Issue 20, item 11: a cancelled challenge left no audit record (a denied one did).
    from engine_helpers import REQUIRED, enroll_totp, login, start_with_policy
    inst = start_with_policy(mfad_factory, REQUIRED)
    enroll_totp(inst, "alice", app="shop")
    ch = login(inst, "alice", app="shop").json()["challenge"]["id"]
    r = inst.unix_request("POST", f"/v1/apps/shop/challenges/{ch}/cancel", {})
    assert r.status == 200, r
    events = inst.unix_request("GET", "/v1/apps/shop/audit?event=mfa.challenge_cancelled")
    [e] = events.json()["events"]
    assert e["user"] == "alice" and e["detail"] == {"challenge_id": ch}, e
    assert e["actor"].startswith("uid:0"), e
