"""Issue 10 finding 6: parallel wrong guesses must not pass the lockout. Each guess reserves
its attempt (user and address counters, and the challenge's attempts) in the store before its
code is compared, so however many guesses arrive at once, no more than the limit are
evaluated. Evaluated guesses are observed through the audit trail (one user.mfa_failed per
wrong code compared), the challenge's attempts and the lockout status. The single-use rules
must keep holding under the same concurrency: one TOTP code, or one backup code, sent many
times in parallel is approved once."""

import threading
from concurrent.futures import ThreadPoolExecutor

from engine_helpers import code_at, enroll_totp, login, start_with_policy, verify

LIMIT = 5
POLICY = f"""\
defaults:
  mode: required
  factors: [totp, backup_code]
  grace_period: 0s
  lockout: {{attempts: {LIMIT}, window: 10m}}
"""
# The single-use tests are about the replay guards, not the lockout: a limit above the number
# of parallel requests lets every one of them reach the compare.
ROOMY_POLICY = POLICY.replace(f"attempts: {LIMIT}", "attempts: 100")


def wrong_codes(n):
    """`n` 8-digit codes: never a TOTP code (6 digits) and, with overwhelming odds, none of the
    user's backup codes. 8 digits make the daemon compare each one against every backup code
    (slow PBKDF2 hashes), which is when parallel guesses overlap most."""
    return [f"{90000000 + i:08d}" for i in range(n)]


def in_parallel(fn, items):
    """Runs fn(item) for every item at once (released together by a barrier)."""
    barrier = threading.Barrier(len(items))

    def run(item):
        barrier.wait()
        return fn(item)

    with ThreadPoolExecutor(len(items)) as pool:
        return list(pool.map(run, items))


def failures_audited(inst, user):
    r = inst.unix_request("GET", f"/v1/audit?user={user}&event=user.mfa_failed&limit=1000")
    assert r.status == 200, r
    return len(r.json()["events"])


def test_fifty_parallel_guesses_at_one_challenge_evaluate_at_most_the_limit(mfad_factory):
    inst = start_with_policy(mfad_factory, POLICY)
    enroll_totp(inst, "root")
    ch = login(inst, "root", remote_addr="192.0.2.20").json()["challenge"]["id"]

    results = in_parallel(lambda code: verify(inst, ch, code), wrong_codes(50))

    statuses = sorted(r.status for r in results)
    assert 200 not in statuses, statuses
    evaluated = failures_audited(inst, "root")
    assert 1 <= evaluated <= LIMIT, (
        f"{evaluated} wrong codes were compared with a limit of {LIMIT} (statuses {statuses})")
    challenge = inst.unix_request("GET", f"/v1/apps/system/challenges/{ch}").json()
    assert challenge["attempts"] <= challenge["max_attempts"], challenge
    assert challenge["status"] == "failed", challenge
    lock = inst.unix_request("GET", "/v1/apps/system/users/root/mfa").json()["lockout"]
    assert lock["locked"] is True and lock["failures"] <= LIMIT, lock
    # Every guess that was not compared was refused as such: locked out (429) or no attempts
    # left on the challenge (409); the compared ones are 422 and the one that locked, 429.
    assert set(statuses) <= {409, 422, 429}, statuses


def test_parallel_guesses_across_challenges_evaluate_at_most_the_limit(mfad_factory):
    """The user's counter alone (each challenge has attempts to spare): 10 challenges, 5
    guesses each, all at once."""
    inst = start_with_policy(mfad_factory, POLICY)
    enroll_totp(inst, "root")
    challenges = [login(inst, "root").json()["challenge"]["id"] for _ in range(10)]
    codes = wrong_codes(50)
    work = [(challenges[i % len(challenges)], code) for i, code in enumerate(codes)]

    results = in_parallel(lambda item: verify(inst, item[0], item[1]), work)

    statuses = sorted(r.status for r in results)
    assert 200 not in statuses, statuses
    evaluated = failures_audited(inst, "root")
    assert 1 <= evaluated <= LIMIT, (
        f"{evaluated} wrong codes were compared with a limit of {LIMIT} (statuses {statuses})")
    lock = inst.unix_request("GET", "/v1/apps/system/users/root/mfa").json()["lockout"]
    assert lock["locked"] is True and lock["failures"] <= LIMIT, lock


def test_one_totp_code_twenty_times_in_parallel_is_approved_once(mfad_factory):
    inst = start_with_policy(mfad_factory, ROOMY_POLICY)
    _, secret, _ = enroll_totp(inst, "root")
    # The activation used the current step: the next one is the first that can log in.
    code = code_at(secret, 1)
    challenges = [login(inst, "root").json()["challenge"]["id"] for _ in range(10)]
    work = challenges + challenges  # 20 verifies, two per challenge

    results = in_parallel(lambda c: verify(inst, c, code), work)

    statuses = [r.status for r in results]
    assert statuses.count(200) == 1, statuses
    assert all(s in (200, 409, 422) for s in statuses), statuses


def test_one_backup_code_twenty_times_in_parallel_is_approved_once(mfad_factory):
    inst = start_with_policy(mfad_factory, ROOMY_POLICY)
    _, _, backups = enroll_totp(inst, "root")
    code = backups[0]
    challenges = [login(inst, "root").json()["challenge"]["id"] for _ in range(10)]
    work = challenges + challenges

    results = in_parallel(lambda c: verify(inst, c, code), work)

    statuses = [r.status for r in results]
    assert statuses.count(200) == 1, statuses
    assert all(s in (200, 409, 422) for s in statuses), statuses
    remaining = inst.unix_request("GET", "/v1/apps/system/users/root/mfa").json()
    assert remaining["backup_codes_remaining"] == len(backups) - 1, remaining


def test_a_key_that_cannot_be_opened_is_an_error_not_a_failed_guess(mfad_factory):
    # The factor's sealed secret is damaged (a bad restore, a wrong key file): verification
    # fails closed with an error, and the attempt it reserved goes back, so a broken store
    # does not lock its users out one login at a time.
    import sqlite3
    inst = start_with_policy(mfad_factory, POLICY)
    factor_id, secret, _ = enroll_totp(inst, "root")
    db = sqlite3.connect(inst.dir / "mfad.db")
    with db:
        db.execute("UPDATE factors SET secret_ct = zeroblob(60) WHERE id = ?", (factor_id,))
    db.close()
    for _ in range(LIMIT + 1):
        ch = login(inst, "root", remote_addr="192.0.2.30").json()["challenge"]["id"]
        r = verify(inst, ch, code_at(secret))
        assert r.status == 500, r
    lock = inst.unix_request("GET", "/v1/apps/system/users/root/mfa").json()["lockout"]
    assert lock == {**lock, "locked": False, "failures": 0}, lock
