"""conf/bash-completion/mfactl, sourced in bash: it offers every command `mfactl --help`
lists, each command's options from its `--help` (and none it does not have), subcommands,
user and app names, without a daemon."""
import re
import subprocess

import pytest

from conftest import MFACTL, ROOT

COMPLETION = ROOT / "conf/bash-completion/mfactl"

SCRIPT = r'''
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
_mfactl
printf '%s\n' "${COMPREPLY[@]}"
'''


def complete(*words, env=None):
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", SCRIPT, "_", str(COMPLETION),
                        "mfactl", *words], capture_output=True, text=True, timeout=10, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    return [w for w in r.stdout.splitlines() if w]


def help_of(*args):
    r = subprocess.run([str(MFACTL), *args, "--help"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout


def commands():
    section = help_of().split("commands:", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in section.splitlines() if line.strip()]


def options_in(text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text))


# The subcommands each command takes (they select different option sets).
SUBCOMMANDS = {
    "apikey": ["create", "list", "revoke"],
    "enroll": ["totp", "sms", "email", "passkey", "fido2"],
    "policy": ["check", "reload", "explain"],
    "user": ["show"],
}


def test_every_command_is_offered():
    cmds = commands()
    assert len(cmds) >= 10
    assert sorted(complete("")) == sorted(cmds)


def test_prefix_and_global_options():
    assert complete("en") == ["enroll"]
    assert complete("ba") == ["backup-codes", "backup"]
    assert complete("backup", "--") == ["--config", "--db", "--force", "--help"]
    assert sorted(complete("--")) == ["--help", "--json", "--socket"]
    assert complete("--socket", "/run/x.sock", "--json", "pol") == ["policy"]


@pytest.mark.parametrize("cmd", ["status", "apikey", "enroll", "factors", "remove",
                                 "backup-codes", "user", "reset", "policy", "audit", "backup",
                                 "doctor"])
def test_command_options_match_its_help(cmd):
    assert cmd in commands()
    # Without the global options of the usage line ("usage: mfactl [--socket PATH] [--json]").
    helped = options_in(help_of(cmd).split("[--json]", 1)[1])
    offered = set()
    for sub in SUBCOMMANDS.get(cmd, [None]):
        words = [cmd] + ([sub] if sub else []) + ["--"]
        offered |= set(complete(*words))
    offered.discard("--help")
    assert offered == helped, f"{cmd}: completion {sorted(offered)} vs --help {sorted(helped)}"


def test_subcommands():
    for cmd, subs in SUBCOMMANDS.items():
        assert complete(cmd, "") == subs
        # Every subcommand appears in the command's help.
        for sub in subs:
            assert re.search(rf"\b{sub}\b", help_of(cmd)), (cmd, sub)
    assert complete("backup-codes", "") == ["regenerate"]


def test_enroll_options_per_factor():
    assert complete("enroll", "sms", "--") == ["--phone", "--country", "--label", "--user",
                                               "--app", "--help"]
    assert "--pin" in complete("enroll", "fido2", "--")
    assert "--pin" not in complete("enroll", "totp", "--")


def test_values():
    assert "root" in complete("reset", "ro")
    assert "root" in complete("enroll", "totp", "--user", "ro")
    assert "root" in complete("user", "show", "")
    assert complete("user", "show", "root", "") == []
    assert complete("apikey", "create", "--scope", "verify,en") == ["verify,enroll"]
    assert complete("apikey", "create", "--scope", "") == ["verify", "enroll", "admin"]
    assert complete("audit", "--limit", "") == []
    assert complete("doctor", "--pam-dir", "/etc/pam") == ["/etc/pam.d"]
    assert "/etc/passwd" in complete("doctor", "--config", "/etc/pass")
    assert complete("doctor", "--") == ["--config", "--pam-dir", "--sshd-config", "--json",
                                        "--help"]


def test_app_names_from_the_policy(tmp_path):
    import os
    env = dict(os.environ, MFACTL_POLICY_FILE=str(ROOT / "conf/policy.yaml"))
    assert complete("factors", "--app", "", env=env) == ["system", "billing-web"]
    env["MFACTL_POLICY_FILE"] = str(tmp_path / "missing.yaml")
    assert complete("factors", "--app", "", env=env) == ["system"]


def test_registered_for_mfactl():
    r = subprocess.run(["bash", "--norc", "-c", f'source "{COMPLETION}"; complete -p mfactl'],
                       capture_output=True, text=True, timeout=10)
    assert r.stdout.strip() == "complete -F _mfactl mfactl"
