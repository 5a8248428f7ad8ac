"""Issue 20, item 4: helpdesk work on an API app's users needs no curl: every per-user mfactl
command takes --app (the default stays app system, the Unix accounts)."""

import json

from engine_helpers import REQUIRED, enroll_totp, start_with_policy


def test_per_user_commands_take_app(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    factor_id, _, backups = enroll_totp(inst, "alice", app="shop")
    r = inst.mfactl("--json", "factors", "alice", "--app", "shop")
    assert r.returncode == 0, r.stderr
    assert [f["id"] for f in json.loads(r.stdout)["factors"]] == [factor_id]
    # The same name in app system is another user, with nothing enrolled.
    r = inst.mfactl("--json", "factors", "alice")
    assert r.returncode == 1 or json.loads(r.stdout)["factors"] == [], (r.stdout, r.stderr)
    r = inst.mfactl("user", "show", "alice", "--app", "shop")
    assert r.returncode == 0 and f"factor         {factor_id} totp" in r.stdout, r.stdout
    assert f"backup codes:    {len(backups)} left" in r.stdout, r.stdout
    r = inst.mfactl("--json", "backup-codes", "--user", "alice", "--app", "shop")
    assert r.returncode == 0 and json.loads(r.stdout)["remaining"] == len(backups), r.stdout
    r = inst.mfactl("reset", "alice", "--yes", "--app", "shop")
    assert r.returncode == 0 and "1 factor(s) removed" in r.stdout, (r.stdout, r.stderr)
    assert inst.unix_request("GET", "/v1/apps/shop/users/alice/factors").json()["factors"] == []


def test_app_users_are_named_explicitly(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    # An API app's users are not Unix accounts: the caller's name is no default there.
    for args in (["factors", "--app", "shop"], ["backup-codes", "--app", "shop"],
                 ["enroll", "totp", "--app", "shop"], ["user", "show", "--app", "shop"],
                 ["factors", "--app"]):
        r = inst.mfactl(*args)
        assert r.returncode == 2 and "usage" in r.stderr, (args, r.stdout, r.stderr)
    r = inst.mfactl("enroll", "fido2", "--user", "alice", "--app", "shop")
    assert r.returncode == 2 and "app system only" in r.stderr, r.stderr


def test_help_after_a_command_is_its_usage(mfad):
    # Issue 20, item 13: `enroll --help` exited 2, `factors --help` asked for user "--help".
    for cmd, words in (("enroll", ["passkey", "fido2", "totp", "--app"]),
                       ("factors", ["factors [USER]"]), ("audit", ["--reverse"])):
        r = mfad.mfactl(cmd, "--help")
        assert r.returncode == 0, (cmd, r.stderr)
        for w in words:
            assert w in r.stdout, (cmd, w, r.stdout)
