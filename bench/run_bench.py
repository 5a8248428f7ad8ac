#!/usr/bin/python3
"""mfad benchmarks (issue 5): PAM login latency, HTTP verification throughput, scale, module
load cost. Run by `make bench` (as root); writes bench/RESULTS.md. Every figure is compared
with a reference measured in the same run: pam_permit (floor) and pam_google_authenticator /
pam_oath for PAM, nginx answering a fixed 200 (ceiling) for HTTP.

Everything lives in a temp dir (mfad dev instances, PAM stacks read through
pam_start_confdir, nginx config); nothing under /etc/pam.d is touched. The PAM benchmark needs
the users to be Unix accounts (mfad answers user_unknown otherwise): it creates --pam-users
throwaway accounts (useradd -M -N -s /usr/sbin/nologin, names mfab<N>) and deletes them at the
end, also on failure. Users are enrolled with bench/seed_users (see its header: API enrolment
costs ~0.1-0.2 s per user because of backup-code hashing); a few real API enrolments are timed
separately."""

import argparse
import datetime
import json
import os
import platform
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import http.client
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECURITY = Path("/lib/x86_64-linux-gnu/security")

MFAD_CONFIG = """\
# written by bench/run_bench.py: the dev defaults (worker_threads 2 unless --threads, SQLite
# WAL with synchronous=FULL) with an ephemeral loopback TCP port (plain HTTP, dev mode only)
dev_mode: true
worker_threads: {threads}
log: {{target: stderr, level: info}}
listeners:
  unix: {{path: mfad.sock, mode: "0666"}}
  tcp: {{address: 127.0.0.1, port: 0, plain_http: true}}
store: {{sqlite: mfad.db}}
keys: {{file: secret.key}}
policy: {{file: policy.yaml}}
"""
POLICY = """\
defaults:
  mode: required
  factors: [totp, backup_code]
  grace_period: 0s
  lockout: {attempts: 5, window: 15m}
rules: []
"""


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self._path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self._path)
        self.sock = s


def unix_req(sock, method, path, body=None):
    c = UnixConn(sock)
    try:
        data = json.dumps(body) if body is not None else None
        c.request(method, path, body=data, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


class Mfad:
    def __init__(self, build, directory, threads=2):
        self.build = build
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "mfad.yaml").write_text(MFAD_CONFIG.format(threads=threads))
        (self.dir / "policy.yaml").write_text(POLICY)
        self.sock = str(self.dir / "mfad.sock")
        self.proc = None
        self.port = None
        self.startup_s = None

    def seed(self, app, prefix, first, count):
        out = self.dir / f"users-{app}.txt"
        t0 = time.monotonic()
        with open(out, "a") as f:
            subprocess.run([str(self.build / "bench/seed_users"), str(self.dir / "mfad.db"),
                            str(self.dir / "secret.key"), app, prefix, str(first), str(count)],
                           stdout=f, check=True)
        return out, time.monotonic() - t0

    def start(self):
        port_file = self.dir / "tcp.port"
        if port_file.exists():
            port_file.unlink()
        logf = open(self.dir / "mfad.log", "ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([str(self.build / "mfad"), "--dev", str(self.dir)],
                                     stdout=logf, stderr=subprocess.STDOUT)
        while time.monotonic() - t0 < 120:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mfad exited: {(self.dir / 'mfad.log').read_text()[-2000:]}")
            if os.path.exists(self.sock) and port_file.exists():
                try:
                    if unix_req(self.sock, "GET", "/v1/health")[0] == 200:
                        break
                except OSError:
                    pass
            time.sleep(0.005)
        else:
            raise RuntimeError("mfad did not become ready")
        self.startup_s = time.monotonic() - t0
        self.port = int(port_file.read_text().strip())
        return self

    def rss_kb(self):
        out = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0])
        return out

    def db_bytes(self):
        return sum(p.stat().st_size for p in self.dir.glob("mfad.db*"))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def fsync_ms(directory, n=100):
    path = os.path.join(directory, "fsync.probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    t0 = time.monotonic()
    for _ in range(n):
        os.write(fd, b"x" * 4096)
        os.fsync(fd)
    dt = (time.monotonic() - t0) / n * 1000
    os.close(fd)
    os.unlink(path)
    return dt


def machine(tmp):
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    fs = subprocess.run(["df", "-T", tmp], capture_output=True, text=True).stdout.splitlines()[-1]
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gb": round(int(mem) / 1048576, 1),
            "kernel": platform.release(), "os": Path("/etc/debian_version").read_text().strip(),
            "fs": " ".join(fs.split()[:2]), "fsync_ms": round(fsync_ms(tmp), 2),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": os.environ.get("BENCH_COMMIT") or subprocess.run(
                ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                text=True).stdout.strip()}


# ---------------------------------------------------------------- PAM


SPARE = 20  # users for the strace runs (each user logs in once per stack)


def parse_strace(path):
    """{syscall: calls} from an `strace -c` summary."""
    calls = {}
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[-1].isidentifier() and parts[3].isdigit() \
                and parts[-1] != "total":
            calls[parts[-1]] = int(parts[3])
    return calls


def make_accounts(names):
    created = []
    for n in names:
        try:
            pwd.getpwnam(n)
            continue
        except KeyError:
            pass
        subprocess.run(["useradd", "-M", "-N", "-s", "/usr/sbin/nologin", n], check=True)
        created.append(n)
    return created


def delete_accounts(names):
    for n in names:
        subprocess.run(["userdel", n], capture_output=True)


def pam_bench(args, tmp, results):
    n = args.pam_users
    names = [f"mfab{i}" for i in range(n + SPARE)]
    log(f"PAM: creating {n} throwaway accounts")
    created = []
    try:
        created = make_accounts(names)
        inst = Mfad(args.build, tmp / "pam-mfad")
        users, seed_s = inst.seed("system", "mfab", 0, n + SPARE)
        inst.start()
        seeded_step = int(time.time()) // 30 - 1
        lines = users.read_text().split()
        pairs = list(zip(lines[0::2], lines[1::2]))
        spare_pairs = pairs[n:]
        # pam_google_authenticator: one secret file per user, replay protection on.
        ga = tmp / "ga"
        ga.mkdir()
        for u, s in pairs:
            p = ga / u
            p.write_text(f'{s}\n" TOTP_AUTH\n" DISALLOW_REUSE\n" WINDOW_SIZE 3\n')
            p.chmod(0o600)
        # pam_oath: one users file with N entries (HOTP/T30 = TOTP, RFC 6238).
        import base64
        oath = tmp / "users.oath"
        oath.write_text("".join(f"HOTP/T30/6 {u} - {base64.b32decode(s).hex()}\n"
                                for u, s in pairs))
        oath.chmod(0o600)
        confdir = tmp / "pam.d"
        confdir.mkdir()
        stacks = {
            "bench-permit": "auth required pam_permit.so\n",
            "bench-ga": f"auth required pam_google_authenticator.so secret={ga}/${{USER}} "
                        "user=root\n",
            "bench-oath": f"auth required pam_oath.so usersfile={oath} window=1 digits=6\n",
            "bench-mfa": f"auth required {(args.build / 'pam_mfa.so').resolve()} "
                         f"socket={inst.sock}\n",
        }
        for name, text in stacks.items():
            (confdir / name).write_text(text)
        out = {}
        # The floor is measured before and after the others; the lower of the two is used.
        for svc in ["bench-permit", "bench-ga", "bench-oath", "bench-mfa", "bench-permit"]:
            r = subprocess.run([str(args.build / "bench/pam_bench"), str(confdir), svc,
                                str(users), str(n)], capture_output=True, text=True)
            if not r.stdout.strip():
                raise RuntimeError(f"pam_bench {svc} failed: {r.stderr}")
            res = json.loads(r.stdout)
            res["stderr"] = r.stderr.strip()
            log(f"PAM {svc}: {res['ok']}/{res['n']} ok, p50 {res['p50_ms']} ms, "
                f"p99 {res['p99_ms']} ms")
            if svc in out and out[svc]["mean_ms"] <= res["mean_ms"]:
                continue
            out[svc] = res
        # Durability of each stack: fsync/fdatasync/rename calls per login, counted with
        # strace -c on the harness (and on mfad for pam_mfa) over the spare users.
        spare = tmp / "spare-users.txt"
        spare.write_text("".join(f"{u} {s}\n" for u, s in spare_pairs))
        out["syscalls"] = {}
        for svc in ["bench-ga", "bench-oath", "bench-mfa"]:
            tracers = []
            cmd = [str(args.build / "bench/pam_bench"), str(confdir), svc, str(spare),
                   str(len(spare_pairs))]
            files = [tmp / f"strace-{svc}.txt"]
            if svc == "bench-mfa":
                files.append(tmp / "strace-mfad.txt")
                tracers.append(subprocess.Popen(
                    ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync,rename,renameat2",
                     "-o", str(files[1]), "-p", str(inst.proc.pid)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                time.sleep(1.0)
            subprocess.run(["strace", "-f", "-c", "-e", "trace=fsync,fdatasync,rename,renameat2",
                            "-o", str(files[0]), *cmd], capture_output=True, text=True)
            for t in tracers:
                t.send_signal(signal.SIGINT)
                t.wait(timeout=30)
            calls = {}
            for f in files:
                for c, v in parse_strace(f).items():
                    calls[c] = calls.get(c, 0) + v
            out["syscalls"][svc] = {c: round(v / len(spare_pairs), 2) for c, v in calls.items()}
        # Durability: every accepted pam_mfa login left its step in the store (the daemon
        # returned success only after the COMMIT; synchronous=FULL).
        db = sqlite3.connect(inst.dir / "mfad.db")
        timed = {u for u, _ in pairs[:n]}
        advanced = sum(1 for u, step in db.execute(
            "SELECT user, last_step FROM factors WHERE app='system'")
            if u in timed and step > seeded_step)
        db.close()
        out["mfa_steps_recorded"] = advanced
        # A few real enrolments through the API (factor + activation + backup codes).
        t0 = time.monotonic()
        k = 5
        for i in range(k):
            st, body = unix_req(inst.sock, "POST", f"/v1/apps/enrol/users/e{i}/factors",
                                {"type": "totp", "label": "bench"})
            fb = json.loads(body)
            code = subprocess.run(["oathtool", "--totp", "-b", fb["secret"]], capture_output=True,
                                  text=True, check=True).stdout.strip()
            st2, _ = unix_req(inst.sock, "POST",
                              f"/v1/apps/enrol/users/e{i}/factors/{fb['factor_id']}/activate",
                              {"code": code})
            if st != 201 or st2 != 200:
                raise RuntimeError(f"API enrolment failed: {st} {st2}")
        out["api_enrol_ms"] = round((time.monotonic() - t0) / k * 1000, 1)
        out["seed_s"] = round(seed_s, 2)
        inst.stop()
        results["pam"] = out
    finally:
        log(f"PAM: deleting {len(created)} accounts")
        delete_accounts(created)


# ---------------------------------------------------------------- HTTP


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Nginx:
    def __init__(self, tmp):
        self.dir = tmp / "nginx"
        self.dir.mkdir()
        self.port = free_port()
        conf = self.dir / "nginx.conf"
        conf.write_text(f"""daemon off;
worker_processes auto;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {self.dir}/body;
  proxy_temp_path {self.dir}/proxy;
  server {{
    listen 127.0.0.1:{self.port};
    location / {{ default_type application/json; return 200 '{{"status":"approved"}}'; }}
  }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-p", str(self.dir), "-e", str(self.dir / "error.log"),
                                      "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("nginx did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def http_load(args, *argv):
    r = subprocess.run([str(args.build / "bench/http_load"), *map(str, argv)], capture_output=True,
                       text=True)
    if r.returncode != 0 or not r.stdout.strip():
        raise RuntimeError(f"http_load {argv[0]} failed: {r.stderr}")
    return json.loads(r.stdout)


def api_key(inst):
    st, body = unix_req(inst.sock, "POST", "/v1/apps/bench/apikeys",
                        {"name": "bench", "scopes": ["verify", "enroll"]})
    if st != 201:
        raise RuntimeError(f"apikey: {st} {body[:200]}")
    return json.loads(body)["key"]


def per_level(args, conns):
    return max(args.http_users, 8 * conns)


def profile(args, inst, key, users, offset, tmp):
    """fsync calls per login+verify (strace -c), and a perf profile of a short 64-conn run."""
    out = {}
    n = 100
    st = subprocess.Popen(["strace", "-f", "-c", "-e", "trace=fsync,fdatasync,pwrite64,pread64",
                           "-o", str(tmp / "strace.txt"), "-p", str(inst.proc.pid)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    res = http_load(args, "mfad", inst.port, 1, key, "bench", users, offset, n)
    st.send_signal(signal.SIGINT)
    st.wait(timeout=30)
    calls = parse_strace(tmp / "strace.txt")
    ok = res["login"]["ok"] + res["verify"]["ok"]
    out["strace_requests"] = {"logins": res["login"]["ok"], "verifies": res["verify"]["ok"]}
    out["syscalls"] = calls
    out["fsync_per_login_verify"] = round(
        (calls.get("fsync", 0) + calls.get("fdatasync", 0)) / max(1, res["verify"]["ok"]), 2)
    out["strace_ok"] = ok
    offset += n
    if shutil.which("perf"):
        data = tmp / "perf.data"
        perf = subprocess.Popen(["perf", "record", "-g", "-F", "499", "-o", str(data), "-p",
                                 str(inst.proc.pid)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        http_load(args, "mfad", inst.port, 64, key, "bench", users, offset, 256)
        perf.send_signal(signal.SIGINT)
        perf.wait(timeout=60)
        rep = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children",
                              "--sort", "dso,symbol", "-g", "none", "--percent-limit", "1.5"],
                             capture_output=True, text=True)
        out["perf_top"] = [" ".join(l.split()[:4]) for l in rep.stdout.splitlines()
                           if l.strip() and not l.startswith("#")][:20]
        offset += 256
    return out, offset


def http_bench(args, tmp, results):
    nginx = Nginx(tmp)
    try:
        results["http"] = [levels_bench(args, tmp, nginx)]
        results["scale"] = scale_bench(args, tmp)
    finally:
        nginx.stop()


def levels_bench(args, tmp, nginx):
    """Section 2: one instance with the first --scale size of users; every concurrency level,
    each followed by nginx at the same level; the tuned-threads variant and the profile."""
    scale = int(args.scale.split(",")[0])
    levels = [int(c) for c in args.levels.split(",") if c]
    inst = Mfad(args.build, tmp / "http-levels", args.threads)
    log(f"HTTP: seeding {scale} users")
    users, seed_s = inst.seed("bench", "u", 0, scale)
    inst.start()
    entry = {"users": scale, "seed_s": round(seed_s, 2), "startup_s": round(inst.startup_s, 3),
             "rss_start_kb": inst.rss_kb(), "levels": []}
    key = api_key(inst)
    offset = 0
    for conns in levels:
        m = per_level(args, conns)
        if offset + m > scale:
            log(f"HTTP: not enough users for {conns} conns at {scale}")
            break
        fs = fsync_ms(str(inst.dir), 20)
        r = http_load(args, "mfad", inst.port, conns, key, "bench", users, offset, m)
        r["fsync_ms"] = round((fs + fsync_ms(str(inst.dir), 20)) / 2, 2)
        offset += m
        ng = http_load(args, "nginx", nginx.port, conns, max(20000, 20 * conns))
        r["conns"] = conns
        r["nginx"] = ng["verify"]
        entry["levels"].append(r)
        log(f"HTTP {scale} users, {conns} conns: mfad {r['verify']['rps']} verifies/s "
            f"(p99 {r['verify']['p99_ms']} ms, errors {r['verify']['errors']}), "
            f"nginx {ng['verify']['rps']}/s")
    entry["rss_end_kb"] = inst.rss_kb()
    if args.tuned_threads:
        # The same level against an instance with more worker threads.
        inst.stop()
        tuned = Mfad(args.build, tmp / "http-tuned", args.tuned_threads)
        tuned_users, _ = tuned.seed("bench", "t", 0, per_level(args, args.scale_conns))
        tuned.start()
        conns = args.scale_conns
        r = http_load(args, "mfad", tuned.port, conns, api_key(tuned), "bench",
                      tuned_users, 0, per_level(args, conns))
        ng = http_load(args, "nginx", nginx.port, conns, max(20000, 20 * conns))
        r["conns"], r["nginx"], r["threads"] = conns, ng["verify"], args.tuned_threads
        entry["tuned"] = r
        log(f"HTTP {scale} users, {conns} conns, {args.tuned_threads} threads: mfad "
            f"{r['verify']['rps']} verifies/s (p99 {r['verify']['p99_ms']} ms), nginx "
            f"{ng['verify']['rps']}/s")
        tuned.stop()
        shutil.rmtree(tuned.dir, ignore_errors=True)
        inst.start()
    if args.profile:
        log("HTTP: profiling (strace -c, perf)")
        try:
            entry["profile"], offset = profile(args, inst, key, users, offset, tmp)
        except Exception as e:  # a missing tool must not lose the figures
            entry["profile"] = {"error": str(e)}
    inst.stop()
    entry["db_bytes"] = inst.db_bytes()
    shutil.rmtree(inst.dir, ignore_errors=True)
    return entry


def scale_bench(args, tmp):
    """Section 3: one fresh instance per size, all running at once, measured in interleaved
    rounds (each round visits every size, starting at a different one) so that a slow spell
    of the shared machine hits every size alike. The figure per size is the median round;
    the 1M-vs-10k ratio is the median of the per-round ratios (pairs measured seconds apart).
    """
    scales = [int(s) for s in args.scale.split(",") if s]
    conns, rounds = args.scale_conns, args.scale_rounds
    burst = min(per_level(args, conns), min(scales) // rounds)
    insts, entries = [], []
    try:
        for scale in scales:
            inst = Mfad(args.build, tmp / f"scale-{scale}", args.threads)
            log(f"scale: seeding {scale} users")
            users, seed_s = inst.seed("bench", "u", 0, scale)
            entries.append({"users": scale, "seed_s": round(seed_s, 2), "rounds": []})
            insts.append((inst, users, None))
            inst.start()
            insts[-1] = (inst, users, api_key(inst))
            entries[-1] |= {"startup_s": round(inst.startup_s, 3), "rss_start_kb": inst.rss_kb()}
        for r in range(rounds):
            for k in range(len(scales)):
                i = (r + k) % len(scales)
                inst, users, key = insts[i]
                res = http_load(args, "mfad", inst.port, conns, key, "bench", users, r * burst,
                                burst)
                entries[i]["rounds"].append(res["verify"])
            log(f"scale round {r + 1}/{rounds}: " + ", ".join(
                f"{e['users']}: {e['rounds'][-1]['rps']:.0f}/s" for e in entries))
        for (inst, _, _), e in zip(insts, entries):
            e["rss_end_kb"] = inst.rss_kb()
            e["verify"] = {"rps": median([x["rps"] for x in e["rounds"]]),
                           "p99_ms": median([x["p99_ms"] for x in e["rounds"]]),
                           "errors": sum(x["errors"] for x in e["rounds"]),
                           "n": sum(x["n"] for x in e["rounds"])}
            base = entries[0]["rounds"]
            e["ratio_to_first"] = median([x["rps"] / b["rps"] for x, b in zip(e["rounds"], base)
                                          if b["rps"]])
        return entries
    finally:
        for (inst, _, _), e in zip(insts, entries):
            inst.stop()
            if inst.dir.exists():
                e["db_bytes"] = inst.db_bytes()
            shutil.rmtree(inst.dir, ignore_errors=True)


def median(xs):
    xs = sorted(xs)
    if not xs:
        return 0
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


# ---------------------------------------------------------------- dlopen


def dlopen_bench(args, results):
    mods = [(args.build / "pam_mfa.so").resolve(), SECURITY / "pam_google_authenticator.so",
            SECURITY / "pam_oath.so", SECURITY / "pam_permit.so"]
    r = subprocess.run([str(args.build / "bench/dlopen_bench"), "300", *map(str, mods)],
                       capture_output=True, text=True, check=True)
    out = json.loads(r.stdout)
    for m in out:
        d = subprocess.run(["readelf", "-d", m["module"]], capture_output=True, text=True).stdout
        m["needed"] = [l.split("[")[1].rstrip("]") for l in d.splitlines() if "(NEEDED)" in l]
        closure = subprocess.run(["ldd", m["module"]], capture_output=True, text=True).stdout
        m["closure"] = len([l for l in closure.splitlines() if "=>" in l or "ld-linux" in l])
        m["size"] = os.path.getsize(m["module"])
    results["dlopen"] = out


# ---------------------------------------------------------------- report

from report import write_report  # noqa: E402  (bench/report.py, next to this file)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", type=Path)
    ap.add_argument("--pam-users", type=int, default=200)
    ap.add_argument("--http-users", type=int, default=2000,
                    help="verifications per concurrency level (at least 8 per connection)")
    ap.add_argument("--levels", default="1,16,64,256")
    ap.add_argument("--scale", default="10000,100000,1000000",
                    help="enrolled users per HTTP run; the first runs every level")
    ap.add_argument("--scale-conns", type=int, default=64)
    ap.add_argument("--scale-rounds", type=int, default=5,
                    help="interleaved rounds over the --scale sizes (median reported)")
    ap.add_argument("--threads", type=int, default=2, help="mfad worker_threads for HTTP runs")
    ap.add_argument("--tuned-threads", type=int, default=0,
                    help="also run the scale-conns level with this many worker (I/O) threads "
                         "(0: no; handlers run on handler_threads since the handler pool)")
    ap.add_argument("--no-profile", dest="profile", action="store_false")
    ap.add_argument("--only", default="pam,http,dlopen")
    ap.add_argument("--out", default=str(ROOT / "bench/RESULTS.md"))
    args = ap.parse_args()
    args.build = (ROOT / args.build) if not args.build.is_absolute() else args.build
    if os.geteuid() != 0:
        sys.exit("run_bench.py: needs root (PAM stacks, throwaway accounts, nginx)")
    tmp = Path(tempfile.mkdtemp(prefix="mfad-bench-"))
    os.chmod(tmp, 0o755)
    t0 = time.monotonic()
    results = {"machine": machine(str(tmp)), "args": vars(args) | {"build": str(args.build)}}
    only = args.only.split(",")
    try:
        if "dlopen" in only:
            dlopen_bench(args, results)
        if "pam" in only:
            pam_bench(args, tmp, results)
        if "http" in only:
            http_bench(args, tmp, results)
    finally:
        results["wall_s"] = round(time.monotonic() - t0, 1)
        (tmp / "results.json").write_text(json.dumps(results, indent=1))
        json_out = Path(args.out).with_suffix(".json")
        # Paths relative to the repository: the committed report names no machine's paths.
        json_out.write_text(json.dumps(results, indent=1).replace(str(ROOT) + "/", "") + "\n")
        shutil.rmtree(tmp, ignore_errors=True)
    write_report(results, Path(args.out))
    log(f"wrote {args.out} and {json_out} in {results['wall_s']} s")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
