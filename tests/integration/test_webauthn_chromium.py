"""End-to-end in headless Chromium (Debian's `chromium`, driven by playwright-core from npm,
tests/e2e/): a passkey registered on mfad's self-service page through a one-time link with the
DevTools virtual authenticator (CDP WebAuthn.addVirtualAuthenticator), then a login challenge
completed with navigator.credentials.get and verified by the daemon, then a usernameless login
with the same discoverable credential. The origin is http://localhost:PORT (a secure context)
and the RP ID `localhost`."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from test_webauthn_api import start_with_webauthn

E2E = Path(__file__).resolve().parents[1] / "e2e"

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists() or shutil.which("npm") is None,
    reason="needs Debian's chromium and npm (make deps installs them)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def node_modules():
    if not (E2E / "node_modules" / "playwright-core").exists():
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=E2E,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    return E2E / "node_modules"


def test_register_on_page_then_login(mfad_factory, node_modules):
    port = free_port()
    origin = f"http://localhost:{port}"
    d = start_with_webauthn(
        mfad_factory,
        tcp=f"  tcp: {{address: 127.0.0.1, port: {port}, plain_http: true}}",
        config_extra=f'webauthn: {{rp_id: localhost, rp_name: "mfad e2e", origins: ["{origin}"]}}',
        has_fixed_port=port)
    key = d.create_api_key("shop", ["enroll", "verify"])["key"]
    link = d.tcp_request("POST", "/v1/apps/shop/users/zoe/enroll-links", {}, api_key=key)
    assert link.status == 201, link
    assert link.json()["url"].startswith(origin + "/enroll/")
    profile = tempfile.mkdtemp(prefix="mfad-chromium-")
    try:
        env = dict(os.environ, BASE=origin, LINK_PATH=link.json()["path"], API_KEY=key,
                   APP="shop", USER="zoe", PROFILE_DIR=profile)
        r = subprocess.run(["node", str(E2E / "passkey_e2e.mjs")], cwd=E2E, env=env,
                           capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["registered"].startswith("f_"), out
    assert out["options_status"] == 200, out
    assert out["verify_status"] == 200, out
    assert out["verify"]["status"] == "approved"
    assert out["verify"]["factor"] == {"type": "webauthn", "id": out["registered"]}
    # The usernameless login: Chromium offered the discoverable credential, whose userHandle
    # named zoe; the policy's webauthn_skips_mfa makes it a complete login.
    assert out["passkey_login_status"] == 201, out
    assert out["passkey_verify_status"] == 200, out
    assert out["passkey_verify"]["user"] == "zoe", out
    assert out["passkey_verify"]["decision"] == "allow", out
    factors = d.tcp_request("GET", "/v1/apps/shop/users/zoe/factors", api_key=key).json()
    assert [(f["type"], f["status"]) for f in factors["factors"]] == [("webauthn", "active")]
    # The link was one-time.
    assert d.tcp_request("GET", "/v1/enroll/" + link.json()["token"]).status == 404
