"""Issue 12: `mfactl backup FILE` and `mfad --restore FILE` (docs/operations.md "Backup and
restore"). A backup taken while mfad runs and another thread writes restores into a fresh
instance (with the original key file copied, as the docs say) where a TOTP factor enrolled
before the backup logs in, and where a TOTP step used before the backup stays refused."""

import os
import shutil
import sqlite3
import stat
import subprocess
import threading

from conftest import MFAD
from engine_helpers import REQUIRED, code_at, enroll_totp, login, start_with_policy, verify


def backup(inst, dest, *extra):
    return inst.mfactl("backup", "--config", str(inst.config_path), *extra, str(dest))


def restore(directory, backup_file):
    return subprocess.run([str(MFAD), "--dev", str(directory), "--restore", str(backup_file)],
                          capture_output=True, text=True, timeout=30)


def test_backup_while_writing_restores_into_fresh_instance(mfad_factory, tmp_path):
    inst = start_with_policy(mfad_factory, REQUIRED)
    _, secret_root, _ = enroll_totp(inst, "root")
    _, secret_frank, _ = enroll_totp(inst, "frank")
    # frank uses the next step before the backup: the backup holds that use.
    used = code_at(secret_frank, +1)
    r = verify(inst, login(inst, "frank").json()["challenge"]["id"], used)
    assert r.status == 200 and r.json()["status"] == "approved", r

    # Another thread writes (each request stores a new user's pending factor) while the
    # backup runs.
    stop = threading.Event()
    written = []

    def writer():
        while not stop.is_set():
            r = inst.unix_request("POST", f"/v1/apps/system/users/w{len(written)}/factors",
                                  {"type": "totp", "label": "load"})
            written.append(r.status)

    t = threading.Thread(target=writer)
    t.start()
    try:
        dest = tmp_path / "mfad.backup"
        out = backup(inst, dest)
    finally:
        stop.set()
        t.join()
    assert out.returncode == 0, out.stderr
    assert written and set(written) == {201}, written
    assert "NOT in the backup" in out.stdout and "secret.key" in out.stdout, out.stdout
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert not os.path.exists(str(dest) + "-wal")  # one self-contained file
    con = sqlite3.connect(f"file:{dest}?mode=ro", uri=True)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()

    # A second backup to the same file is refused; --force replaces it.
    again = backup(inst, dest)
    assert again.returncode != 0 and "exists" in again.stderr, again
    assert backup(inst, dest, "--force").returncode == 0

    # Restore refuses while mfad runs (its socket answers); the database is untouched.
    running = restore(inst.dir, dest)
    assert running.returncode == 1 and "running" in running.stderr, running
    assert inst.stop() == 0

    fresh = mfad_factory(start=False)
    shutil.copy(inst.dir / "secret.key", fresh.dir / "secret.key")
    os.chmod(fresh.dir / "secret.key", 0o400)
    (fresh.dir / "policy.yaml").write_text(REQUIRED)
    out = restore(fresh.dir, dest)
    assert out.returncode == 0, out.stderr
    assert "secret.key" in out.stdout, out.stdout
    fresh.start()

    # The factor enrolled before the backup logs in (activation used step 0, so +1 is fresh).
    body = login(fresh, "root").json()
    assert body["decision"] == "mfa_required", body
    r = verify(fresh, body["challenge"]["id"], code_at(secret_root, +1))
    assert r.status == 200 and r.json()["status"] == "approved", r
    # The step frank used before the backup stays used (RFC 6238 5.2) after the restore.
    r = verify(fresh, login(fresh, "frank").json()["challenge"]["id"], used)
    assert r.status == 422 and r.json()["error"]["code"] == "replayed", r


def test_restore_keeps_the_old_database_and_refuses_a_foreign_file(mfad_factory, tmp_path):
    inst = mfad_factory()
    enroll_totp(inst, "root")
    dest = tmp_path / "b.db"
    assert backup(inst, dest).returncode == 0
    # A config whose socket is elsewhere but whose database mfad has open: the file lock
    # refuses the restore even though no socket answers.
    other = tmp_path / "other.yaml"
    other.write_text(f"dev_mode: true\nlisteners:\n  unix: {{path: {tmp_path}/none.sock}}\n"
                     f"store: {{sqlite: {inst.dir}/mfad.db}}\nkeys: {{file: {inst.dir}/secret.key}}\n"
                     f"policy: {{file: {inst.dir}/policy.yaml}}\n")
    out = subprocess.run([str(MFAD), "--config", str(other), "--restore", str(dest)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "in use" in out.stderr, out
    assert inst.stop() == 0

    # Not SQLite at all; SQLite but not mfad's: both refused, the database left alone.
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a database" * 100)
    other = tmp_path / "foreign.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t(x)")
    con.commit()
    con.close()
    before = (inst.dir / "mfad.db").read_bytes()
    for bad in (junk, other, tmp_path / "missing"):
        out = restore(inst.dir, bad)
        assert out.returncode == 1, (bad, out)
        assert "restore failed" in out.stderr, out.stderr
    assert (inst.dir / "mfad.db").read_bytes() == before
    assert not (inst.dir / "mfad.db.before-restore").exists()

    # A real backup goes in; the previous database is kept beside it.
    out = restore(inst.dir, dest)
    assert out.returncode == 0, out.stderr
    assert (inst.dir / "mfad.db.before-restore").exists()
    assert stat.S_IMODE(os.stat(inst.dir / "mfad.db").st_mode) == 0o600
    inst.start()
    assert inst.unix_request("GET", "/v1/apps/system/users/root/factors").status == 200


def test_backup_with_db_path_and_bad_usage(mfad, tmp_path):
    enroll_totp(mfad, "root")
    dest = tmp_path / "direct.db"
    out = mfad.mfactl("backup", "--db", str(mfad.dir / "mfad.db"), str(dest))
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert mfad.mfactl("backup").returncode == 2
    missing = mfad.mfactl("backup", "--db", str(tmp_path / "nope.db"), str(tmp_path / "x"))
    assert missing.returncode == 1 and not (tmp_path / "x").exists(), missing
