"""Issue 20, item 1: the dev instance (`make run`, `mfad --dev DIR`) is usable by a second,
unprivileged user: the directory is traversable (0711, not listable), the socket 0666, and the
database, key and config stay private (0600)."""

import os
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

from conftest import MFAD, MFACTL


def test_a_normal_user_reaches_the_dev_socket():
    checkout = Path(tempfile.mkdtemp(prefix="mfad-dev-"))  # in /tmp: every parent traversable
    os.chmod(checkout, 0o755)
    run = checkout / "run"
    proc = subprocess.Popen([str(MFAD), "--dev", str(run)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        sock = run / "mfad.sock"
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sock.exists()
        assert stat.S_IMODE(os.stat(run).st_mode) == 0o711
        for name in ("mfad.db", "secret.key", "mfad.yaml", "policy.yaml"):
            assert stat.S_IMODE(os.stat(run / name).st_mode) & 0o077 == 0, name
        out = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                              str(MFACTL), "--socket", str(sock), "--json", "factors"],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert '"factors": []' in out.stdout or '"factors":[]' in out.stdout, out.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(checkout, ignore_errors=True)


def test_dev_creates_parents_and_two_instances_get_their_own_ports():
    """Issue 12: `mfad --dev a/b/run` makes the missing parents, and the dev default TCP port
    is ephemeral (printed, and written to DIR/tcp.port), so two instances do not collide."""
    base = Path(tempfile.mkdtemp(prefix="mfad-dev-"))
    procs, ports = [], []
    try:
        for name in ("one", "two"):
            run = base / name / "deep" / "run"
            log = open(base / f"{name}.log", "wb")
            procs.append(subprocess.Popen([str(MFAD), "--dev", str(run)], stdout=log,
                                          stderr=subprocess.STDOUT))
            port_file = run / "tcp.port"
            deadline = time.monotonic() + 10
            while not port_file.exists() and time.monotonic() < deadline:
                assert procs[-1].poll() is None, (base / f"{name}.log").read_text()
                time.sleep(0.05)
            ports.append(int(port_file.read_text().strip()))
            assert stat.S_IMODE(os.stat(base / name / "deep").st_mode) == 0o755
        assert ports[0] != ports[1] and 0 not in ports
        for name, port in zip(("one", "two"), ports):
            assert f"127.0.0.1:{port}" in (base / f"{name}.log").read_text()
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)
