"""Packed attestation with an x5c chain through the HTTP API (WebAuthn 7.1 steps 23-25, 8.2.1):
mfad configured with webauthn.attestation_roots and require_trusted_attestation registers a
key whose leaf chains to the configured test CA, and refuses one from another CA, fmt "none",
and leaves breaking 8.2.1 (wrong OU, CA:true, AAGUID differing from authData). Without the
requirement an untrusted chain registers and is recorded as such. Bad root configs stop mfad."""

import json
import subprocess

from conftest import MFAD
from test_webauthn_api import POLICY, enroll
from webauthn_soft import AttestationCA, Authenticator

AAGUID = bytes(range(16))


def start(mfad_factory, roots, require):
    d = mfad_factory(start=False, config_extra=(
        'webauthn: {rp_id: example.com, origins: ["https://app.example.com"], '
        f'attestation: direct, attestation_roots: {json.dumps([str(r) for r in roots])}, '
        f'require_trusted_attestation: {"true" if require else "false"}}}'))
    (d.dir / "policy.yaml").write_text(POLICY)
    return d


def write_root(d, ca, name="att-root.pem"):
    p = d.dir / name
    p.write_bytes(ca.pem())
    return p


def start_trusting_one_ca(mfad_factory, require):
    """A daemon whose attestation_roots hold one CA; returns it, an enroll+verify key of app
    shop, that CA and another one it does not trust."""
    ca, other = AttestationCA(), AttestationCA("another vendor root")
    d = start(mfad_factory, [], require)
    root = write_root(d, ca)
    d.config_path.write_text(d.config_path.read_text().replace(
        "attestation_roots: []", f'attestation_roots: ["{root}"]'))
    d.start()
    return d, d.create_api_key("shop", ["enroll", "verify"])["key"], ca, other


def activate(d, key, user, fid, cred):
    return d.tcp_request("POST", f"/v1/apps/shop/users/{user}/factors/{fid}/activate",
                         {"credential": cred}, api_key=key)


def register(d, key, user, **create_kw):
    auth = Authenticator(-7)
    auth.aaguid = AAGUID
    fid, pk, _ = enroll(d, key, user, auth)
    return activate(d, key, user, fid, auth.create(pk, **create_kw))


def enrolled_detail(d, user):
    r = d.unix_request("GET", f"/v1/audit?app=shop&user={user}&limit=100")
    assert r.status == 200, r
    for e in r.json()["events"]:
        if e["event"] == "mfa.factor_enrolled":
            return json.loads(e["detail"]) if isinstance(e["detail"], str) else e["detail"]
    return None


def factor_statuses(d, key, user):
    r = d.tcp_request("GET", f"/v1/apps/shop/users/{user}/factors", api_key=key)
    return [f["status"] for f in r.json()["factors"]]


def test_trusted_chain_required(mfad_factory):
    d, key, ca, other = start_trusting_one_ca(mfad_factory, True)

    r = register(d, key, "alice", x5c=ca.leaf(AAGUID))
    assert r.status == 200, r
    detail = enrolled_detail(d, "alice")
    assert detail["attestation"] == "basic" and detail["attestation_trusted"] is True, detail

    refusals = {
        "bob": dict(x5c=other.leaf(AAGUID)),                         # another CA
        "carol": dict(),                                             # fmt none
        "dave": dict(packed=True),                                   # self attestation
        "erin": dict(x5c=ca.leaf(AAGUID, ou="Marketing")),           # wrong OU
        "frank": dict(x5c=ca.leaf(AAGUID, ca=True)),                 # CA:true leaf
        "gina": dict(x5c=ca.leaf(bytes(16))),                        # AAGUID mismatch
    }
    for user, kw in refusals.items():  # 8.2.1 / 7.1 step 25 refusals leave the factor pending
        r = register(d, key, user, **kw)
        assert r.status in (400, 422), (user, r)
        assert factor_statuses(d, key, user) == ["pending"], user


def test_untrusted_chain_recorded_when_not_required(mfad_factory):
    d, key, ca, other = start_trusting_one_ca(mfad_factory, False)
    assert register(d, key, "alice", x5c=other.leaf(AAGUID)).status == 200
    assert enrolled_detail(d, "alice")["attestation_trusted"] is False
    assert register(d, key, "bob", x5c=ca.leaf(AAGUID)).status == 200
    assert enrolled_detail(d, "bob")["attestation_trusted"] is True
    assert register(d, key, "carol").status == 200  # none is fine without the requirement
    assert enrolled_detail(d, "carol")["attestation"] == "none"
    # 8.2.1 leaf requirements hold regardless of the trust policy.
    assert register(d, key, "dave", x5c=ca.leaf(AAGUID, ou="Marketing")).status in (400, 422)


def test_bad_root_config_stops_mfad(mfad_factory):
    cases = {
        "missing file": ([], True, None),
        "junk file": (["junk.pem"], False, b"not a certificate\n"),
        "require without roots": ([], True, b""),
    }
    for what, (roots, require, content) in cases.items():
        d = mfad_factory(start=False, config_extra=(
            'webauthn: {rp_id: example.com, origins: ["https://app.example.com"], '
            'attestation: direct, '
            f'attestation_roots: {json.dumps(roots or (["nope.pem"] if content is None else []))}, '
            f'require_trusted_attestation: {"true" if require else "false"}}}'))
        for r in roots:
            (d.dir / r).write_bytes(content)
        p = subprocess.run([str(MFAD), "--dev", str(d.dir)], capture_output=True, text=True,
                           timeout=20)
        assert p.returncode != 0, what
        assert "attestation" in (p.stdout + p.stderr), (what, p.stdout, p.stderr)
    # require_trusted_attestation with the default conveyance "none": browsers would never send
    # an attestation, so no key could register.
    d = mfad_factory(start=False)
    root = write_root(d, AttestationCA())
    d.config_path.write_text(d.config_path.read_text() + (
        'webauthn: {rp_id: example.com, origins: ["https://app.example.com"], '
        f'attestation_roots: ["{root}"], require_trusted_attestation: true}}\n'))
    p = subprocess.run([str(MFAD), "--dev", str(d.dir)], capture_output=True, text=True,
                       timeout=20)
    assert p.returncode != 0
    assert "attestation: direct" in p.stdout + p.stderr, p.stdout + p.stderr
