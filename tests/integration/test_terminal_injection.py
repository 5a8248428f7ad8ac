"""Issue 10, finding 4: nothing a caller sends may reach the admin's terminal as a control.

- `remote_addr` (logins, challenges, passkey logins) is an IP address, parsed and normalised:
  one address has one spelling, so it is also one lockout counter; anything else is 400.
- The PAM rhost is an IP address (normalised the same way) or a host name (sshd with
  UseDNS yes, login from telnet), never free text.
- Labels and API key names refuse C0/C1 controls, bidirectional overrides and isolates.
- `mfactl` escapes every control it prints from the daemon (records written before this
  fix, or by a future bug), and still draws the QR code it is given."""

import re
import sqlite3
import subprocess

from conftest import MFACTL
from engine_helpers import REQUIRED, enroll_totp, login, start_with_policy, verify

ESCAPE = "\x1b]0;PWNED\x07\x1b[2J\x1b]52;c;ZWNobyBwd25lZA==\x07fake text"
C1_CSI = "\u009b2J"
BIDI = ["\u202e", "\u202a", "\u2066", "\u2069"]


def mfactl_bytes(inst, *args):
    """mfactl's raw output: the test looks at bytes, not at what Python would decode."""
    return subprocess.run([str(MFACTL), "--socket", inst.socket, *args], capture_output=True,
                          timeout=30)


def terminal_controls(data):
    """Every control a terminal would act on in `data` (bytes): C0 but newline, DEL, C1
    (raw bytes or UTF-8 encoded) and bidirectional formatting characters."""
    found = [b for b in data if (b < 0x20 and b != 0x0A) or b == 0x7F]
    text = data.decode("utf-8", errors="surrogateescape")
    found += [c for c in text if "\u0080" <= c <= "\u009f" or c in "\u202a\u202b\u202c\u202d"
              "\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u2028\u2029"
              or "\udc80" <= c <= "\udcff"]
    return found


# --- remote_addr is an IP address -------------------------------------------------------------

def test_remote_addr_with_escapes_is_refused_and_nothing_is_recorded(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    enroll_totp(inst, "alice", app="a")
    before = inst.unix_request("GET", "/v1/apps/a/audit?limit=500").json()["events"]
    for bad in (ESCAPE, "10.1.1.1\x1b[2J", "10.1.1.1 ", " 10.1.1.1", "010.001.001.001",
                "10.1.1.1%eth0", "10.1.1", "256.1.1.1", "host.example.com", "::ffff:10.1.1.1\n",
                "fe80::1%", "fe80::1%eth0\x07", "1.2.3.4/24", "0x0a.1.1.1"):
        r = login(inst, "alice", app="a", remote_addr=bad)
        assert r.status == 400, (bad, r)
        assert r.json()["error"]["code"] == "invalid_argument", (bad, r)
        assert "remote_addr" in r.json()["error"]["message"], (bad, r)
        r = inst.unix_request("POST", "/v1/apps/a/challenges",
                              {"user": "alice", "method": "totp", "remote_addr": bad})
        assert r.status == 400, (bad, r)
    after = inst.unix_request("GET", "/v1/apps/a/audit?limit=500").json()["events"]
    assert after == before, "a refused request must leave no audit record"


def test_remote_addr_spellings_are_one_address(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    enroll_totp(inst, "alice", app="a")
    for spelling, canonical in (("::ffff:10.1.1.1", "10.1.1.1"), ("10.1.1.1", "10.1.1.1"),
                                ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
                                ("fe80::1%eth0", "fe80::1"), ("::FFFF:0A01:0101", "10.1.1.1")):
        r = login(inst, "alice", app="a", remote_addr=spelling)
        assert r.status == 200, (spelling, r)
        ch = r.json()["challenge"]
        got = inst.unix_request("GET", f"/v1/apps/a/challenges/{ch['id']}").json()
        assert got["remote_addr"] == canonical, (spelling, got)


def test_lockout_per_address_cannot_be_evaded_by_spelling(mfad_factory):
    # REQUIRED locks after 3 failures. alice's 3 failures from 10.1.1.1 lock the address;
    # bob, from the same address spelled as an IPv4-mapped IPv6 address, is locked out too.
    inst = start_with_policy(mfad_factory, REQUIRED)
    enroll_totp(inst, "alice", app="a")
    enroll_totp(inst, "bob", app="a")
    for _ in range(3):
        ch = login(inst, "alice", app="a", remote_addr="10.1.1.1").json()["challenge"]["id"]
        verify(inst, ch, "000000", app="a")
    for spelling in ("10.1.1.1", "::ffff:10.1.1.1", "::ffff:a01:101"):
        r = login(inst, "bob", app="a", remote_addr=spelling)
        assert r.status == 429, (spelling, r)
    assert login(inst, "bob", app="a", remote_addr="10.1.1.2").status == 200


def test_policy_explain_normalises_the_address(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED + """\
rules:
  - name: office
    match: {rhost: 10.0.0.0/8}
    mode: "off"
""")
    for spelling in ("10.1.1.1", "::ffff:10.1.1.1"):
        r = inst.unix_request("GET", f"/v1/policy/explain?user=root&service=sshd&remote_addr="
                              f"{spelling}")
        assert r.status == 200 and "\"office\"" in r.json()["matched_rule"], (spelling, r)
    r = inst.unix_request("GET", "/v1/policy/explain?user=root&service=sshd&remote_addr="
                          "10.1.1.1%1B%5B2J")
    assert r.status == 400, r


# --- the PAM rhost: an address or a host name -------------------------------------------------

def pam_start(inst, rhost, tty="ssh"):
    return inst.unix_request("POST", "/v1/pam/conversations",
                             {"user": "root", "service": "sshd", "rhost": rhost, "tty": tty})


def test_pam_rhost_is_an_address_or_a_host_name(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    enroll_totp(inst, "root")
    for good in ("192.0.2.7", "::ffff:192.0.2.7", "fe80::1%eth0", "host-1.example.com",
                 "HOST.example.com.", ""):
        r = pam_start(inst, good)
        assert r.status == 200, (good, r)
    for bad in (ESCAPE, "host\x1b[2J", "host name", "a..b", "-host", "h" * 64 + ".example",
                "host_\u009b", "\u202ehost", "192.0.2.7 "):
        r = pam_start(inst, bad)
        assert r.status == 400 and "rhost" in r.json()["error"]["message"], (bad, r)
    for bad_tty in ("pts/1\x1b]0;x\x07", "tty\u009b", "\u202etty"):
        r = pam_start(inst, "192.0.2.7", tty=bad_tty)
        assert r.status == 400 and "tty" in r.json()["error"]["message"], (bad_tty, r)
    # The normalised spelling is the one the challenge (and so the lockout) is keyed on.
    r = inst.unix_request("GET", "/v1/apps/system/challenges?user=root&limit=100")
    addrs = {c["remote_addr"] for c in r.json()["challenges"]}
    assert addrs == {"192.0.2.7", "fe80::1", "host-1.example.com", "host.example.com", ""}, addrs


# --- labels and names refuse controls ---------------------------------------------------------

def test_labels_refuse_controls_and_bidi_overrides(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    for bad in ["phone\x1b[2J", "phone\x07", "phone\x7f", "phone" + C1_CSI, "phone\u0085",
                "a\u2028b"] + [f"phone{b}evil" for b in BIDI]:
        r = inst.unix_request("POST", "/v1/apps/a/users/alice/factors",
                              {"type": "totp", "label": bad})
        assert r.status == 400, (bad, r)
        assert r.json()["error"]["code"] == "invalid_argument", (bad, r)
        r = inst.unix_request("POST", "/v1/apps/a/apikeys", {"name": bad, "scopes": ["verify"]})
        assert r.status == 400, (bad, r)
    assert inst.unix_request("GET", "/v1/apps/a/users/alice/factors").json()["factors"] == []
    # Text in any script is still a label: only controls are refused.
    for good in ("Téléphone de Zoé", "手机", "телефон", "هاتف", "📱 phone"):
        r = inst.unix_request("POST", "/v1/apps/a/users/alice/factors",
                              {"type": "totp", "label": good})
        assert r.status == 201 and r.json()["label"] == good, (good, r)
    # C1 sent as raw UTF-8 (not as a JSON escape), and bytes that are not UTF-8 at all.
    for raw in (b'{"type": "totp", "label": "a\xc2\x9bb"}', b'{"type": "totp", "label": "a\xffb"}'):
        r = inst.unix_request("POST", "/v1/apps/a/users/alice/factors", raw,
                              headers={"Content-Type": "application/json"})
        assert r.status == 400, (raw, r)


# --- mfactl escapes what it prints ------------------------------------------------------------

def plant_hostile_records(inst, factor_id):
    """Records as a daemon before this fix could have written them."""
    db = sqlite3.connect(inst.dir / "mfad.db")
    with db:
        db.execute("INSERT INTO audit_events(at_ms, app, user, event, actor, remote_addr, detail)"
                   " VALUES (1, 'system', 'root', 'user.mfa_failed', 'uid:0', ?, ?)",
                   (ESCAPE, '{"service": "sshd\\u001b[2J\\u009b31m\\u202e"}'))
        db.execute("UPDATE factors SET label = ? WHERE id = ?",
                   ("phone" + ESCAPE + C1_CSI + BIDI[0], factor_id))
    db.close()


def test_mfactl_escapes_every_control_from_the_daemon(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    factor_id, _, _ = enroll_totp(inst, "root")
    plant_hostile_records(inst, factor_id)
    for args in (["audit", "--limit", "500"], ["factors", "root"], ["user", "show", "root"],
                 ["--json", "audit", "--limit", "500"], ["--json", "factors", "root"],
                 ["--json", "user", "show", "root"]):
        r = mfactl_bytes(inst, *args)
        assert r.returncode == 0, (args, r.stderr)
        assert terminal_controls(r.stdout) == [], (args, terminal_controls(r.stdout), r.stdout)
        assert b"PWNED" in r.stdout, (args, r.stdout)  # shown, escaped: not dropped
    human = mfactl_bytes(inst, "audit", "--limit", "500").stdout.decode()
    assert "\\x1b]0;PWNED\\x07\\x1b[2J" in human, human
    assert "\\u009b31m" in human and "\\u202e" in human, human
    factors = mfactl_bytes(inst, "factors", "root").stdout.decode()
    assert "phone\\x1b]0;PWNED" in factors and "\\u009b2J\\u202e" in factors, factors


def test_mfactl_still_draws_the_qr_code(mfad_factory):
    inst = start_with_policy(mfad_factory, REQUIRED)
    r = subprocess.run([str(MFACTL), "--socket", inst.socket, "enroll", "totp"],
                       input=b"\n", capture_output=True, timeout=30)
    out = r.stdout.decode()
    # The daemon's qr_text is plain half blocks; mfactl draws them black on white itself.
    assert "\x1b[30;47m" in out and "\x1b[0m" in out, out
    assert re.search("[\u2580\u2584\u2588]", out), out
    assert "Or enter this key by hand:" in out, out


def test_api_qr_text_is_plain_text(mfad_factory):
    """Issue 20: an API answer carries no terminal escapes; the client colours the QR code."""
    inst = start_with_policy(mfad_factory, REQUIRED)
    r = inst.unix_request("POST", "/v1/apps/system/users/root/factors", {"type": "totp"})
    assert r.status == 201, r
    qr = r.json()["qr_text"]
    assert "\x1b" not in qr, repr(qr[:40])
    assert set(qr) <= {"\u2580", "\u2584", "\u2588", " ", "\n"}, set(qr)
