#!/usr/bin/env python3
"""Tier rule check (docs/architecture.md "Tiers and what each may use", DESIGN.md section 7).

Reads every #include of client/, pam_module/, nss/, daemon/core/, daemon/src/ and cli/ and
prints each one a tier may not use as `file:line: #include ...: why`. Exit status 1 when
there is one, 0 when there is none.

It checks direct includes only: what a header drags in is the ABI test's business for the
modules (tests/abi/check_needed.sh: NEEDED is libc + libpam), and the linker's for the rest
(libmfacore.a does not link libcurl, Beast or libsystemd, so a core file that used them
through a header would not link into the unit tests).

    tests/tiers/check_tiers.py [ROOT]     check the tree at ROOT (default: the repository)
    tests/tiers/check_tiers.py --self-test  prove that every rule can fail (make lint runs both)
"""

import os
import re
import subprocess
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCE_EXT = (".c", ".cc", ".cpp", ".h", ".hpp")

# --- modules: client/, pam_module/, nss/ --------------------------------------------------
# Loaded into every process that authenticates or resolves a user: libc and libpam only.
# A grep cannot see what links at run time, so the rule here is the include surface: C and
# POSIX headers, PAM's, jsmn (header-only), and the few C++ headers whose parts the modules
# use without libstdc++ at run time (std::unique_ptr with a custom deleter, std::move). No
# containers, strings or streams. tests/abi/check_needed.sh proves the run-time part.
MODULE_C_HEADERS = {
    "assert.h", "ctype.h", "errno.h", "fcntl.h", "grp.h", "inttypes.h", "limits.h", "poll.h",
    "pwd.h", "signal.h", "stdarg.h", "stdbool.h", "stddef.h", "stdint.h", "stdio.h",
    "stdlib.h", "string.h", "strings.h", "syslog.h", "time.h", "unistd.h", "nss.h",
    "jsmn.h",
}
MODULE_CXX_HEADERS = {"memory", "type_traits", "utility", "cstddef", "cstdint", "cstring",
                      "climits"}
MODULE_PREFIXES = ("sys/", "security/pam_")
MODULE_QUOTED = {
    "client/": ("client/",),
    "pam_module/": ("client/", "pam_module/"),
    "nss/": ("client/", "nss/"),
}

# --- core: daemon/core/ -----------------------------------------------------------------
# All logic, no I/O besides files, no sockets, no libcurl, no logging (it returns errors and
# the daemon logs once at the boundary), nothing from the daemon or the CLI.
CORE_DENY = [
    (re.compile(r"^sys/socket\.h$|^sys/un\.h$|^netinet/|^netdb\.h$|^ifaddrs\.h$"),
     "sockets belong to daemon/src/"),
    (re.compile(r"^curl/"), "libcurl belongs to daemon/src/ (delivery)"),
    (re.compile(r"^boost/"), "Boost.Beast/Asio belong to daemon/src/ and cli/"),
    (re.compile(r"^syslog\.h$|^systemd/"), "core code does not log; daemon/src/os/log.h does"),
    (re.compile(r"^iostream$"), "core code does not log or print"),
    (re.compile(r"^qrencode\.h$"), "libqrencode belongs to daemon/src/os/qr_render.cc"),
    (re.compile(r"^fstream$"),
     "read files with daemon/core/base/bounded_file.h (size cap, checks on the open descriptor)"),
]
# Address text conversion is not socket I/O: inet_pton/inet_ntop (arpa/inet.h) and
# IF_NAMESIZE (net/if.h) parse and print addresses. Allowed in the files that do exactly that.
CORE_FILE_ONLY = [
    (re.compile(r"^arpa/inet\.h$"), {"daemon/core/policy/cidr.cc", "daemon/core/policy/remote_address.cc"},
     "only the address parsers (cidr.cc, remote_address.cc) may use inet_pton/inet_ntop"),
    (re.compile(r"^net/if\.h$"), {"daemon/core/policy/cidr.cc", "daemon/core/policy/remote_address.cc"},
     "only the address parsers (cidr.cc, remote_address.cc) may use IF_NAMESIZE"),
    (re.compile(r"^yaml-cpp/"), {"daemon/core/config/config_yaml.cc", "daemon/core/policy/policy_yaml.cc"},
     "yaml-cpp is confined to the two YAML adapters (config_yaml.cc, policy_yaml.cc)"),
]
CORE_QUOTED = ("daemon/core/",)

# --- daemon/src/ and cli/ -------------------------------------------------------------------
SRC_FILE_ONLY = [
    (re.compile(r"^boost/"),
     {"daemon/src/http/http_internal.h", "daemon/src/http/http_server.cc", "daemon/src/http/http_session.cc"},
     "Beast/Asio are confined to the HTTP server (http_internal.h, http_server.cc, "
     "http_session.cc)"),
    (re.compile(r"^qrencode\.h$"), {"daemon/src/os/qr_render.cc"},
     "libqrencode is confined to qr_render.cc"),
    (re.compile(r"^systemd/sd-daemon\.h$"), {"daemon/src/os/service_notify.cc"},
     "sd_notify (readiness for systemd) is sent by service_notify.cc only"),
    (re.compile(r"^systemd/(?!sd-daemon\.h$)|^syslog\.h$"), {"daemon/src/os/log.cc"},
     "the journal and syslog are written by log.cc only"),
    (re.compile(r"^yaml-cpp/"), set(),
     "yaml-cpp is confined to daemon/core/config/config_yaml.cc and policy_yaml.cc"),
]
SRC_QUOTED = ("daemon/core/", "daemon/src/")
CLI_FILE_ONLY = [
    (re.compile(r"^boost/"), {"cli/http_client.cc"}, "Beast/Asio are confined to http_client.cc"),
    (re.compile(r"^yaml-cpp/"), set(),
     "yaml-cpp is confined to daemon/core/config/config_yaml.cc and policy_yaml.cc"),
]
CLI_QUOTED = ("daemon/core/", "cli/")

TIERS = ("client/", "pam_module/", "nss/", "daemon/core/", "daemon/src/", "cli/")

# --- rooms: the folders of daemon/core/ and daemon/src/ (docs/architecture.md "Folders") ----
# Listed lowest first: a file may include headers of its own room and of rooms listed before
# it, never after, so the folders cannot grow an include cycle. "." is the tier's root
# folder (core: engine.h, which wires the services and is what pam/ runs on; daemon: main.cc).
ROOMS = {
    "daemon/core/": ("base", "encoding", "crypto", "store", "otp", "policy", "webauthn",
                     "config", "services", "passkeys", "fido", ".", "pam"),
    "daemon/src/": ("os", "api", "auth", "delivery", "fido", "routes", "http", "."),
}


def room_of(tier, rel):
    """The room of `rel` (a path under `tier`): its first folder, or "." at the root."""
    rest = rel[len(tier):]
    return rest.split("/", 1)[0] if "/" in rest else "."


def check_room(tier, rel, name):
    """A quoted include of the same tier must come from this room or one listed before it."""
    if tier not in ROOMS or not name.startswith(tier):
        return None
    order = ROOMS[tier]
    mine, theirs = room_of(tier, rel), room_of(tier, name)
    for room in (mine, theirs):
        if room not in order:
            return (f"{tier}{room}/ is not a room of tests/tiers/check_tiers.py ROOMS (add it "
                    "there and to docs/architecture.md)")
    if order.index(theirs) > order.index(mine):
        return (f"room {mine} may not include room {theirs}: it is listed after it in "
                "ROOMS (lower rooms never use higher ones)")
    return None


def tier_of(rel):
    for t in TIERS:
        if rel.startswith(t):
            return t
    return None


def check_module(tier, rel, kind, name):
    if kind == '"':
        if not name.startswith(MODULE_QUOTED[tier]):
            return (f"{tier} may include only "
                    + " and ".join(MODULE_QUOTED[tier]) + " headers of this repository")
        return None
    if name in MODULE_C_HEADERS or name in MODULE_CXX_HEADERS:
        return None
    if name.startswith(MODULE_PREFIXES):
        if name.startswith("security/") and tier == "nss/":
            return "nss/ is libc only (no libpam)"
        return None
    return ("not a libc/libpam/jsmn header: the modules are loaded by every login and may not "
            "need libstdc++ or another library at run time")


def check_file_only(rules, rel, name):
    for pattern, files, why in rules:
        if pattern.search(name) and rel not in files:
            return why
    return None


def check_core(rel, kind, name):
    if kind == '"':
        if not name.startswith(CORE_QUOTED):
            return "daemon/core/ may include only daemon/core/ headers (not daemon/src/, cli/)"
        return None
    for pattern, why in CORE_DENY:
        if pattern.search(name):
            return why
    return check_file_only(CORE_FILE_ONLY, rel, name)


def check_src(rel, kind, name):
    if kind == '"':
        if not name.startswith(SRC_QUOTED):
            return "daemon/src/ may include only daemon/core/ and daemon/src/ headers"
        return None
    return check_file_only(SRC_FILE_ONLY, rel, name)


def check_cli(rel, kind, name):
    if kind == '"':
        if not name.startswith(CLI_QUOTED):
            return "cli/ may include only daemon/core/ and cli/ headers (not daemon/src/)"
        return None
    return check_file_only(CLI_FILE_ONLY, rel, name)


def check_include(rel, kind, name):
    tier = tier_of(rel)
    if tier in MODULE_QUOTED:
        return check_module(tier, rel, kind, name)
    if tier == "daemon/core/":
        return check_core(rel, kind, name) or (kind == '"' and check_room(tier, rel, name))
    if tier == "daemon/src/":
        return check_src(rel, kind, name) or (kind == '"' and check_room(tier, rel, name))
    if tier == "cli/":
        return check_cli(rel, kind, name)
    return None


def source_files(root):
    for top in TIERS:
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for f in sorted(filenames):
                if f.endswith(SOURCE_EXT):
                    path = os.path.join(dirpath, f)
                    yield os.path.relpath(path, root).replace(os.sep, "/"), path


def check_tree(root):
    violations = []
    for rel, path in source_files(root):
        with open(path, encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, name = m.group(1), m.group(2).strip()
                why = check_include(rel, kind, name)
                if why:
                    shown = f"<{name}>" if kind == "<" else f'"{name}"'
                    violations.append(f"{rel}:{lineno}: #include {shown}: {why}")
    return violations


# One violating file per rule, and one clean file per tier. Each must be reported (or not).
SELF_TEST_BAD = {
    "daemon/core/a.cc": "#include <sys/socket.h>",
    "daemon/core/b.cc": "#include <netinet/in.h>",
    "daemon/core/c.cc": "#include <curl/curl.h>",
    "daemon/core/d.cc": "#include <boost/asio.hpp>",
    "daemon/core/e.cc": "#include <syslog.h>",
    "daemon/core/f.cc": "#include <systemd/sd-journal.h>",
    "daemon/core/g.cc": '#include "daemon/src/os/log.h"',
    "daemon/core/h.h": '#  include "cli/output.h"',
    "daemon/core/i.cc": "#include <arpa/inet.h>",
    "daemon/core/j.cc": "#include <yaml-cpp/yaml.h>",
    "daemon/core/k.cc": "#include <fstream>",
    "pam_module/a.cc": "#include <string>",
    "pam_module/b.cc": "#include <curl/curl.h>",
    "pam_module/c.cc": '#include "daemon/core/base/result.h"',
    "client/a.cc": "#include <vector>",
    "client/b.cc": '#include "pam_module/options.h"',
    "nss/a.cc": "#include <security/pam_modules.h>",
    "daemon/src/a.cc": "#include <boost/asio.hpp>",
    "daemon/src/b.cc": '#include "cli/output.h"',
    "cli/a.cc": '#include "daemon/src/os/log.h"',
    "daemon/core/base/l.cc": '#include "daemon/core/services/audit.h"',
    "daemon/core/m.h": '#include "daemon/core/pam/pam_conversation.h"',
    "daemon/core/nowhere/n.cc": '#include "daemon/core/base/result.h"',
    "daemon/src/os/c.cc": '#include "daemon/src/routes/services.h"',
    "daemon/src/os/d.cc": "#include <systemd/sd-daemon.h>",
    "daemon/src/e.cc": "#include <systemd/sd-journal.h>",
}
SELF_TEST_GOOD = {
    "daemon/core/policy/cidr.cc": "#include <arpa/inet.h>\n#include <string>\n#include \"daemon/core/policy/cidr.h\"",
    "daemon/core/config/config_yaml.cc": "#include <yaml-cpp/yaml.h>",
    "daemon/core/ok.cc": "#include <openssl/evp.h>\n#include <sys/stat.h>\n// #include <curl/curl.h>",
    "pam_module/ok.cc": "#include <security/pam_ext.h>\n#include <syslog.h>\n#include <memory>\n"
                        "#include \"client/client.h\"\n#include \"pam_module/options.h\"",
    "client/ok.cc": "#include <sys/socket.h>\n#include <jsmn.h>\n#include \"client/http.h\"",
    "daemon/src/http/http_server.cc": "#include <boost/asio.hpp>\n#include \"daemon/core/base/result.h\"",
    "daemon/src/os/log.cc": "#include <systemd/sd-journal.h>",
    "daemon/src/os/service_notify.cc": "#include <systemd/sd-daemon.h>",
    "cli/http_client.cc": "#include <boost/beast/http.hpp>\n#include \"daemon/core/base/result.h\"",
    "daemon/core/services/ok.cc": '#include "daemon/core/base/result.h"\n'
                                  '#include "daemon/core/services/audit.h"',
    "daemon/core/pam/ok.cc": '#include "daemon/core/engine.h"',
    "daemon/src/http/ok.cc": '#include "daemon/src/routes/services.h"\n'
                             '#include "daemon/core/pam/pam_conversation.h"',
}


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("// self-test\n" + text + "\n")


def self_test():
    errors = []
    with tempfile.TemporaryDirectory(prefix="mfad-tier-check-") as tmp:
        good = os.path.join(tmp, "good")
        write_tree(good, SELF_TEST_GOOD)
        v = check_tree(good)
        if v:
            errors.append("a clean tree was reported:\n  " + "\n  ".join(v))
        bad = os.path.join(tmp, "bad")
        write_tree(bad, {**SELF_TEST_GOOD, **SELF_TEST_BAD})
        v = check_tree(bad)
        reported = {line.split(":", 1)[0] for line in v}
        for rel in SELF_TEST_BAD:
            if rel not in reported:
                errors.append(f"{rel} ({SELF_TEST_BAD[rel]!r}) was not reported")
        for rel in SELF_TEST_GOOD:
            if rel in reported:
                errors.append(f"{rel} was reported in the bad tree but is clean")
        if not all(re.match(r"^[^:]+:2: #include ", line) for line in v):
            errors.append("a violation does not read file:line: #include ...:\n  "
                          + "\n  ".join(v))
        # The command itself: non-zero on the bad tree, zero on the good one.
        for root, want in ((bad, 1), (good, 0)):
            rc = subprocess.run([sys.executable, os.path.abspath(__file__), root],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            if rc != want:
                errors.append(f"exit status {rc} on {os.path.basename(root)} tree, want {want}")
    if errors:
        print("tier check self-test FAILED:\n" + "\n".join(errors), file=sys.stderr)
        return 1
    print(f"tier check self-test: {len(SELF_TEST_BAD)} violations caught, "
          f"{len(SELF_TEST_GOOD)} clean files passed")
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        return self_test()
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    violations = check_tree(root)
    for v in violations:
        print(v, file=sys.stderr)
    if violations:
        print(f"tier check: {len(violations)} include(s) break the tier rules "
              "(docs/architecture.md)", file=sys.stderr)
        return 1
    print("tier check: no violation")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
