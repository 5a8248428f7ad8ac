"""mfactl's requests are bounded: a daemon that accepts and never answers (SIGSTOPped,
wedged) makes the command exit 3 "daemon unreachable" after MFACTL_TIMEOUT seconds, instead
of hanging the admin's shell."""
import os
import socket
import subprocess
import time

from conftest import BUILD


def test_silent_daemon_times_out_with_exit_3(tmp_path):
    path = str(tmp_path / "silent.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)  # the kernel accepts connections into the backlog; nobody ever answers
    try:
        env = dict(os.environ, MFACTL_TIMEOUT="1")
        start = time.monotonic()
        r = subprocess.run([str(BUILD / "mfactl"), "--socket", path, "status"], env=env,
                           capture_output=True, text=True, timeout=20)
        took = time.monotonic() - start
    finally:
        srv.close()
    assert r.returncode == 3, (r.returncode, r.stdout, r.stderr)
    assert "timed out after 1 s" in r.stderr, r.stderr
    assert took < 10, f"bounded by MFACTL_TIMEOUT=1, took {took:.1f} s"


def test_bad_timeout_value_falls_back_to_the_default(tmp_path):
    """A malformed MFACTL_TIMEOUT does not disable the bound: a refused socket still answers."""
    env = dict(os.environ, MFACTL_TIMEOUT="0x", MFAD_SOCKET=str(tmp_path / "none.sock"))
    r = subprocess.run([str(BUILD / "mfactl"), "status"], env=env, capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 3 and "cannot connect" in r.stderr, (r.returncode, r.stderr)
