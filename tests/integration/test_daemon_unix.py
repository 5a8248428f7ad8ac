"""mfad on its Unix socket: health through curl, SO_PEERCRED identity (root is admin, an
unprivileged uid is not), socket mode, stale socket handling, mfactl status/apikey."""

import json
import os
import signal
import stat
import subprocess

from conftest import MFAD, MfadInstance


def test_health_via_curl(mfad):
    out = subprocess.run(["curl", "-sS", "--unix-socket", mfad.socket, "http://localhost/v1/health"],
                         capture_output=True, text=True, timeout=10, check=True)
    j = json.loads(out.stdout)
    assert j["status"] == "ok"
    assert isinstance(j["schema_version"], int) and j["schema_version"] >= 1
    assert j["version"]
    assert "uptime_s" in j


def test_socket_mode_is_0666(mfad):
    st = os.stat(mfad.socket)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o666


def test_root_is_admin_and_nobody_is_not(mfad):
    # root (uid 0): admin of any app
    r = mfad.unix_request("POST", "/v1/apps/demo/apikeys", {"name": "k", "scopes": ["verify"]})
    assert r.status == 201, r
    # nobody: the same request is refused by SO_PEERCRED identity, not by socket permissions
    os.chmod(mfad.dir, 0o711)
    cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "curl", "-sS",
           "-w", "\n%{http_code}", "--unix-socket", mfad.socket,
           "-H", "Content-Type: application/json", "-d", '{"name":"k2","scopes":["verify"]}',
           "http://localhost/v1/apps/demo/apikeys"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    body, code = out.stdout.rsplit("\n", 1)
    assert code == "403", out
    assert json.loads(body)["error"]["code"] == "permission_denied"
    # ...while health is open to every local user
    out = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                          "curl", "-sS", "--unix-socket", mfad.socket, "http://x/v1/health"],
                         capture_output=True, text=True, timeout=10)
    assert json.loads(out.stdout)["status"] == "ok"
    # the log names the peer by uid
    nobody_uid = int(subprocess.check_output(["id", "-u", "nobody"]).strip())
    assert f"caller='uid:{nobody_uid}'" in mfad.log()


def test_stale_socket_is_replaced_and_live_one_refused(mfad):
    # A second daemon on the same socket refuses to start while the first one answers.
    second = subprocess.run([str(MFAD), "--dev", str(mfad.dir)], capture_output=True, text=True,
                            timeout=10)
    assert second.returncode != 0
    assert "already listening" in second.stderr
    assert mfad.unix_request("GET", "/v1/health").status == 200
    # kill -9 leaves the socket node behind: the next start removes it and serves.
    mfad.kill()
    assert os.path.exists(mfad.socket)
    mfad.start()
    assert mfad.unix_request("GET", "/v1/health").status == 200


def test_non_socket_file_is_not_removed(mfad_factory, tmp_path):
    inst = mfad_factory(start=False)
    with open(inst.socket, "w") as f:
        f.write("not a socket")
    r = subprocess.run([str(MFAD), "--dev", str(inst.dir)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode != 0
    assert "not a socket" in r.stderr
    assert open(inst.socket).read() == "not a socket"


def test_mfactl_status_and_apikeys(mfad):
    r = mfad.mfactl("status")
    assert r.returncode == 0, r.stderr
    assert "ok" in r.stdout and "schema version" in r.stdout
    r = mfad.mfactl("--json", "status")
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "ok"

    r = mfad.mfactl("apikey", "create", "--app", "shop", "--name", "web", "--scope", "verify,enroll")
    assert r.returncode == 0, r.stderr
    key = r.stdout.strip()
    assert key.startswith("mfa_k_")
    r = mfad.mfactl("--json", "apikey", "list", "--app", "shop")
    keys = json.loads(r.stdout)["api_keys"]
    assert [k["name"] for k in keys] == ["web"]
    assert keys[0]["scopes"] == ["verify", "enroll"]
    assert "key" not in keys[0]  # the secret is shown once only
    kid = keys[0]["id"]
    assert key.startswith(f"mfa_{kid}_")
    r = mfad.mfactl("apikey", "revoke", "--app", "shop", kid)
    assert r.returncode == 0, r.stderr
    r = mfad.mfactl("apikey", "list", "--app", "shop")
    assert "revoked" in r.stdout
    # exit codes: daemon error 1, usage 2, unreachable 3
    r = mfad.mfactl("apikey", "revoke", "--app", "shop", "k_nope")
    assert r.returncode == 1 and "not_found" in r.stderr
    r = mfad.mfactl("apikey", "create", "--app", "shop", "--name", "x", "--scope", "root")
    assert r.returncode == 1 and "invalid_argument" in r.stderr
    assert mfad.mfactl("apikey", "frobnicate", "--app", "x").returncode == 2
    assert mfad.mfactl("nosuchcommand").returncode == 2
    r = subprocess.run([str(MFAD.parent / "mfactl"), "--socket", str(mfad.dir / "none.sock"),
                        "status"], capture_output=True, text=True)
    assert r.returncode == 3 and "unreachable" in r.stderr
    env = dict(os.environ, MFAD_SOCKET=mfad.socket)
    r = subprocess.run([str(MFAD.parent / "mfactl"), "status"], capture_output=True, text=True,
                       env=env)
    assert r.returncode == 0


def test_nobody_mfactl_apikey_is_denied(mfad):
    os.chmod(mfad.dir, 0o711)
    r = mfad.mfactl("apikey", "list", "--app", "system", user="nobody")
    assert r.returncode == 1
    assert "403" in r.stderr and "permission_denied" in r.stderr
