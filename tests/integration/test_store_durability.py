"""Durability of the SQLite store under kill -9.

tests/tools/store_writer prints a write's id only after the Store method returned. We SIGKILL
it mid-run, then check with an independent reader (Python's sqlite3 module) and with the store
itself (store_writer --verify, which reopens through open_sqlite_store) that every printed write
is present and that the database passes PRAGMA integrity_check. Several rounds run against the
same file, so each round also starts from a database recovered after a kill.

kill -9 leaves the page cache intact, so this checks that a method returns only after COMMIT
(and that recovery works); fsync-to-platter (synchronous=FULL) is not observable from here.
"""

import os
import random
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BUILD", "build"))
WRITER = (BUILD if BUILD.is_absolute() else ROOT / BUILD) / "tests" / "tools" / "store_writer"


def writer_path():
    if not WRITER.exists():
        pytest.fail(f"{WRITER} is not built (make BUILD={BUILD} {BUILD}/tests/tools/store_writer)")
    return str(WRITER)


def run_and_kill(db, stop_after):
    """Starts a writer, SIGKILLs it after `stop_after` acknowledged writes; returns all acked ids."""
    proc = subprocess.Popen([writer_path(), str(db), "1000000"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    acked = []
    try:
        for line in proc.stdout:
            acked.append(int(line.split()[0]))
            if len(acked) >= stop_after:
                break
        proc.send_signal(signal.SIGKILL)
        # Lines already in the pipe were also acknowledged before the kill.
        for line in proc.stdout:
            if line.strip():
                acked.append(int(line.split()[0]))
    finally:
        proc.kill()
        proc.wait(timeout=10)
        stderr = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, f"writer exited on its own: {proc.returncode} {stderr}"
    assert len(acked) >= stop_after, stderr
    return acked


def check_independently(db, acked):
    con = sqlite3.connect(str(db))
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        ids = {r[0] for r in con.execute("SELECT id FROM audit_events")}
        missing = sorted(set(acked) - ids)
        assert not missing, f"acknowledged writes lost after kill -9: {missing[:10]}"
        (last_step,) = con.execute(
            "SELECT last_step FROM factors WHERE id = 'f_durability'").fetchone()
        assert last_step >= max(acked)
        (version,) = con.execute("PRAGMA user_version").fetchone()
        assert version >= 1
        (mode,) = con.execute("PRAGMA journal_mode").fetchone()
        assert mode == "wal"
    finally:
        con.close()


def test_acknowledged_writes_survive_kill9(tmp_path):
    db = tmp_path / "mfa.db"
    rng = random.Random(0x6d6661)
    all_acked = []
    for _ in range(4):
        acked = run_and_kill(db, rng.randint(15, 60))
        all_acked.extend(acked)
        check_independently(db, all_acked)
        # And through the store itself (WAL recovery + migrations on a killed database).
        res = subprocess.run([writer_path(), str(db), "--verify", *map(str, all_acked)],
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stderr
    assert len(set(all_acked)) == len(all_acked), "an id was handed out twice"
    assert (db.stat().st_mode & 0o777) == 0o600


def test_verify_detects_missing_write(tmp_path):
    """The checker itself can fail: an id that was never written is reported."""
    db = tmp_path / "mfa.db"
    acked = run_and_kill(db, 5)
    res = subprocess.run([writer_path(), str(db), "--verify", str(max(acked) + 1000)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert "missing" in res.stderr
