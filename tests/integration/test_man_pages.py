"""The man pages (man/*.scd -> $BUILD/man/*, mk/man.mk) render without warnings and say what
the code does: every option the binaries' --help prints, every pam_mfa.so option and return
code, every key the config and policy parsers accept. A page that falls behind the code (a new
option, a new key) fails here, and so does a built page older than its source."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import BUILD, MFACTL, MFAD, ROOT

MAN_SRC = ROOT / "man"
MAN_OUT = BUILD / "man"
PAGES = ["mfad.8", "mfactl.8", "pam_mfa.8", "mfad.yaml.5", "policy.yaml.5"]


def source_text(page):
    """The scdoc source without its markup (bold '*', escapes), for word searches that a
    rendered page's hyphenation and line breaks would defeat."""
    text = (MAN_SRC / f"{page}.scd").read_text()
    return text.replace("\\", "").replace("*", "")


def render(path):
    env = dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat", LC_ALL="C.UTF-8")
    return subprocess.run(["man", "--warnings", "-l", str(path)], env=env,
                          capture_output=True, text=True, timeout=30)


def strip_th(text):
    # scdoc stamps the page with today's date (.TH line); the rest must be identical.
    return "\n".join(l for l in text.splitlines() if not l.startswith(".TH "))


def help_of(binary, *args):
    r = subprocess.run([str(binary), *args, "--help"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout


def options_in(text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text))


def mfactl_commands():
    out = help_of(MFACTL)
    section = out.split("commands:", 1)[1].split("\n\n", 1)[0]
    cmds = [line.split()[0] for line in section.splitlines() if line.strip()]
    assert "status" in cmds and "audit" in cmds, out
    return cmds


@pytest.mark.parametrize("page", PAGES)
def test_page_is_built_from_its_source(page):
    built = MAN_OUT / page
    assert built.is_file(), f"{built} missing: `make man`"
    fresh = subprocess.run(["scdoc"], stdin=open(MAN_SRC / f"{page}.scd"),
                           capture_output=True, text=True, timeout=10)
    assert fresh.returncode == 0, fresh.stderr
    assert strip_th(built.read_text()) == strip_th(fresh.stdout), \
        f"{built} is stale: `make man`"


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_warnings(page):
    assert shutil.which("man"), "man-db is not installed (make deps)"
    r = render(MAN_OUT / page)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    lines = r.stdout.splitlines()
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"):
        assert section in lines, f"{page}: no {section} section"
        body = lines[lines.index(section) + 1]
        assert body.strip(), f"{page}: empty {section}"
    name = lines[lines.index("NAME") + 1].strip()
    assert name.startswith(page.rsplit(".", 1)[0] + " - "), name


def test_mfad_page_has_every_option_and_no_other():
    helped = options_in(help_of(MFAD))
    assert {"--config", "--dev", "--check-config", "--version"} <= helped
    text = source_text("mfad.8")
    page = options_in(text.split("# SYNOPSIS", 1)[1].split("\n# SIGNALS", 1)[0])
    assert helped - page == set(), "undocumented in mfad.8"
    assert page - helped == set(), "documented in mfad.8 but not in mfad --help"


def test_mfactl_page_has_every_command_and_option():
    text = source_text("mfactl.8")
    helped = options_in(help_of(MFACTL))
    for cmd in mfactl_commands():
        assert re.search(rf"^{re.escape(cmd)}\b", text, re.M), f"command {cmd} not in mfactl.8"
        helped |= options_in(help_of(MFACTL, cmd))
    helped.add("--help")  # main.cc: `--help`, `-h`, `help`, and COMMAND --help
    page = options_in(text)
    assert helped - page == set(), "undocumented in mfactl.8"
    assert page - helped == set(), "documented in mfactl.8 but not in mfactl --help"
    assert "MFAD_SOCKET" in text


def pam_module_options():
    src = (ROOT / "pam_module/options.cc").read_text()
    flags = set(re.findall(r'strcmp\(arg, "([a-z_]+)"\) == 0', src))
    valued = set(re.findall(r'value_of\(arg, "([a-z_]+)"\)', src))
    assert "debug" in flags and {"socket", "timeout", "failmode"} <= valued
    return flags, valued


def test_pam_page_has_every_module_option_and_no_other():
    text = source_text("pam_mfa.8")
    flags, valued = pam_module_options()
    for f in flags:
        assert re.search(rf"^{f}$", text, re.M), f"flag {f} not in pam_mfa.8 OPTIONS"
    for v in valued:
        assert re.search(rf"^{v}=", text, re.M), f"option {v}= not in pam_mfa.8 OPTIONS"
    options = text.split("# OPTIONS", 1)[1].split("\n# ", 1)[0]
    documented = set(re.findall(r"^([a-z_]+)(?:=|$)", options, re.M))
    assert documented - flags - valued == set(), "pam_mfa.8 documents options that do not exist"
    # The failmode and reminder values the parser accepts.
    src = (ROOT / "pam_module/options.cc").read_text()
    for value in re.findall(r'strcmp\(v, "([a-z]+)"\) == 0', src):
        assert value in options, f"value {value} not in pam_mfa.8"


def test_pam_page_has_every_return_code():
    text = source_text("pam_mfa.8")
    codes = set()
    for f in (ROOT / "pam_module").glob("*.cc"):
        codes |= set(re.findall(r"\breturn (PAM_[A-Z_]+)", f.read_text()))
    codes -= {"PAM_CONV_AGAIN"}  # `rc == PAM_CONV_AGAIN ? PAM_CONV_ERR : rc`
    assert {"PAM_SUCCESS", "PAM_IGNORE", "PAM_AUTHINFO_UNAVAIL", "PAM_SERVICE_ERR"} <= codes
    values = text.split("# RETURN VALUES", 1)[1].split("\n# ", 1)[0]
    for code in codes:
        assert re.search(rf"^{code}$", values, re.M), f"{code} not in pam_mfa.8 RETURN VALUES"


def config_parser_keys():
    """Every key of every mapping the daemon config parser accepts (Reader::mapping lists)."""
    src = (ROOT / "daemon/core/config/config_yaml.cc").read_text()
    keys = set()
    for group in re.findall(r"mapping\([^{;]*\{([^}]*)\}", src, re.S):
        keys |= set(re.findall(r'"([a-z_]+)"', group))
    assert {"worker_threads", "listeners", "root_reserve", "attestation_roots"} <= keys
    return keys


def test_mfad_yaml_page_has_every_key():
    text = source_text("mfad.yaml.5")
    for key in config_parser_keys() | set(yaml.safe_load((ROOT / "conf/mfad.yaml").read_text())):
        assert re.search(rf"(?<![\w]){key}(?![\w])", text), f"key {key} not in mfad.yaml.5"


def test_policy_yaml_page_has_every_key():
    text = source_text("policy.yaml.5")
    src = (ROOT / "daemon/core/policy/policy_yaml.cc").read_text()
    keys = set(re.findall(r'key == "([a-z_]+)"', src)) | set(re.findall(r'k2 != "([a-z_]+)"', src))
    assert {"defaults", "rules", "step_up", "pam", "apps", "lockout", "ttys"} <= keys
    keys |= set(yaml.safe_load((ROOT / "conf/policy.yaml").read_text()))
    for key in keys:
        assert re.search(rf"(?<![\w]){key}(?![\w])", text), f"key {key} not in policy.yaml.5"
    # The modes, factor names and alias settings the parser knows.
    for word in ("off", "optional", "required", "webauthn", "totp", "sms", "email",
                 "backup_code", "refuse", "canonical", "otp"):
        assert word in text
