"""Writes bench/RESULTS.md from run_bench.py's results (figures only; the analysis that does
not change from run to run is in bench/NOTES.md, which the report includes)."""

from pathlib import Path


def _ms(x):
    return f"{x:.2f}"


def _pam(res, lines):
    p = res["pam"]
    floor = p["bench-permit"]
    names = {"bench-permit": "pam_permit (floor)", "bench-ga": "pam_google_authenticator",
             "bench-oath": "pam_oath", "bench-mfa": "pam_mfa + mfad"}
    lines += ["## 1. PAM login latency", "",
              f"{floor['n']} distinct users, each authenticated once per stack "
              "(pam_start_confdir + pam_authenticate + pam_end, one process, sequential), "
              "each answering with its current TOTP code (liboath).", "",
              "| stack | ok | auth/s | p50 ms | p99 ms | mean ms | added over floor (mean) |",
              "|---|---|---|---|---|---|---|"]
    for svc, label in names.items():
        r = p[svc]
        added = r["mean_ms"] - floor["mean_ms"]
        lines.append(f"| {label} | {r['ok']}/{r['n']} | {r['auth_per_s']:.0f} | {_ms(r['p50_ms'])} | "
                     f"{_ms(r['p99_ms'])} | {_ms(r['mean_ms'])} | "
                     f"{'—' if svc == 'bench-permit' else _ms(added) + ' ms'} |")
    ga_add = p["bench-ga"]["mean_ms"] - floor["mean_ms"]
    mfa_add = p["bench-mfa"]["mean_ms"] - floor["mean_ms"]
    ratio = mfa_add / ga_add if ga_add > 0 else float("inf")
    verdict = "met" if ratio <= 0.1 else "MISSED"
    lines += ["",
              f"**Target** (pam_mfa adds ≤ 1/10 of what pam_google_authenticator adds): "
              f"pam_mfa adds {_ms(mfa_add)} ms, pam_google_authenticator {_ms(ga_add)} ms — "
              f"ratio {ratio:.1f}× — **{verdict}**.", "",
              f"Durability check: after the run, {p['mfa_steps_recorded']} of "
              f"{p['bench-mfa']['n']} factors have their last accepted TOTP step advanced in "
              "the database file (read with sqlite3 after the logins returned).", "",
              f"Enrolment through the API (create + activate a first TOTP factor, which also "
              f"issues 10 PBKDF2-hashed backup codes): {p['api_enrol_ms']} ms per user "
              f"(5 users). Seeding {floor['n']} users with bench/seed_users: {p['seed_s']} s.", ""]
    if p.get("syscalls"):
        lines += ["Durable-write syscalls per login (strace -c over 20 further users; for pam_mfa "
                  "the daemon's and the harness's together):", "",
                  "| stack | fsync | fdatasync | rename |", "|---|---|---|---|"]
        for svc, calls in p["syscalls"].items():
            lines.append(f"| {names[svc]} | {calls.get('fsync', 0)} | {calls.get('fdatasync', 0)} | "
                         f"{calls.get('rename', 0) + calls.get('renameat2', 0)} |")
        lines.append("")
    errs = [f"`{s}`: {p[s]['stderr']}" for s in names if p[s].get("stderr")]
    if errs:
        lines += ["Harness messages: " + "; ".join(errs), ""]


def _http(res, lines):
    h = res["http"]
    first = h[0]
    lines += ["## 2. HTTP verification throughput", "",
              f"{first['users']} users with an active TOTP factor in app `bench`; an API key "
              "with scopes verify+enroll; plain HTTP on 127.0.0.1 (dev mode). Per concurrency "
              "level, bench/http_load opens one login per user (`POST /v1/apps/bench/logins`, "
              "phase 1) then answers every challenge (`POST .../challenges/{id}/verify`, phase 2) "
              "with the user's current code, over that many keep-alive connections. Each "
              "verification is a different user (a step is accepted once per factor). nginx "
              "(same machine, same run, `return 200`, worker_processes auto) gets the same POST "
              "shape over the same number of connections.", "",
              "| conns | verifies | verify/s | p50 ms | p99 ms | errors | nginx req/s | "
              "nginx p99 ms | ratio to nginx | logins/s | login p99 ms | fsync ms (probe) |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for lv in first["levels"]:
        v, n, lg = lv["verify"], lv["nginx"], lv["login"]
        ratio = v["rps"] / n["rps"] if n["rps"] else 0
        lines.append(f"| {lv['conns']} | {v['n']} | {v['rps']:.0f} | {_ms(v['p50_ms'])} | "
                     f"{_ms(v['p99_ms'])} | {v['errors']} | {n['rps']:.0f} | {_ms(n['p99_ms'])} | "
                     f"{ratio * 100:.2f}% | {lg['rps']:.0f} | {_ms(lg['p99_ms'])} | "
                     f"{lv.get('fsync_ms', '?')} |")
    t = first.get("tuned")
    if t:
        v, n = t["verify"], t["nginx"]
        lines += ["", f"Same level with `worker_threads: {t['threads']}` (a fresh instance, "
                      f"{v['n']} other users): **{v['rps']:.0f} verifies/s**, p50 "
                      f"{_ms(v['p50_ms'])} ms, p99 {_ms(v['p99_ms'])} ms, errors {v['errors']}; "
                      f"nginx {n['rps']:.0f} req/s → {v['rps'] / n['rps'] * 100:.2f}%."]
    at64 = [lv for lv in first["levels"] if lv["conns"] == 64]
    if at64:
        v, n = at64[0]["verify"], at64[0]["nginx"]
        ratio = v["rps"] / n["rps"] if n["rps"] else 0
        ok = ratio >= 0.25 and v["p99_ms"] < 10
        lines += ["", f"**Target** (≥ 25% of nginx at 64 connections, p99 < 10 ms): "
                      f"{ratio * 100:.2f}% of nginx, p99 {_ms(v['p99_ms'])} ms — "
                      f"**{'met' if ok else 'MISSED'}**.", ""]
    prof = first.get("profile")
    if prof:
        lines += ["### Where the time goes", ""]
        if "error" in prof:
            lines += [f"Profiling failed: {prof['error']}", ""]
        else:
            lines += [f"strace -c on the daemon during {prof['strace_requests']['logins']} "
                      f"logins + {prof['strace_requests']['verifies']} verifications "
                      f"(1 connection): syscalls {prof['syscalls']} — "
                      f"**{prof['fsync_per_login_verify']} fsync per login+verify pair**. "
                      f"Measured fsync latency on this disk: {res['machine']['fsync_ms']} ms.", ""]
            if prof.get("perf_top"):
                lines += ["perf (on-CPU, 64 connections, `perf report --no-children --sort "
                          "dso,symbol`, entries ≥ 1.5%):", "", "```"] + prof["perf_top"] + \
                         ["```", ""]


def _scale(res, lines):
    h = res["scale"]
    a = res["args"]
    lines += ["## 3. Scale", "",
              f"One fresh instance per size, all running at once; {a['scale_rounds']} "
              f"interleaved rounds at {a['scale_conns']} connections (each round visits every "
              "size, starting at a different one; each burst is distinct users with fresh "
              "codes). Figures are the median round; the ratio is the median of the per-round "
              "ratios to the first size, so both sides of a ratio were measured seconds apart.",
              "",
              "| enrolled users | verify/s (median) | p99 ms (median) | rounds verify/s | "
              "vs first size | errors | DB size | RSS after start | RSS after load (peak) | "
              "start-up | seeding |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for e in h:
        v = e["verify"]
        rounds = " / ".join(f"{x['rps']:.0f}" for x in e["rounds"])
        lines.append(f"| {e['users']:,} | {v['rps']:.0f} | {_ms(v['p99_ms'])} | {rounds} | "
                     f"{e['ratio_to_first'] * 100:.0f}% | {v['errors']} | "
                     f"{e.get('db_bytes', 0) / 1048576:.1f} MiB | "
                     f"{e['rss_start_kb']['VmRSS'] / 1024:.1f} MiB | "
                     f"{e['rss_end_kb']['VmRSS'] / 1024:.1f} MiB "
                     f"({e['rss_end_kb']['VmHWM'] / 1024:.1f}) | {e['startup_s'] * 1000:.0f} ms | "
                     f"{e['seed_s']:.1f} s |")
    if 1000000 not in [e["users"] for e in h]:
        lines += ["", "1M users was not in this run; run "
                      "`make bench BENCH_ARGS='--only http --scale 10000,1000000'` for it."]
    lines.append("")


def _dlopen(res, lines):
    lines += ["## 4. Cost of loading the module", "",
              "dlopen(RTLD_NOW) in a fresh fork()ed child per sample (a PAM module is loaded "
              "once per login process), modules interleaved, 300 samples each.", "",
              "| module | size | NEEDED | libraries loaded (ldd) | p50 µs | p99 µs | min µs | "
              "p50 over pam_permit µs |",
              "|---|---|---|---|---|---|---|---|"]
    floor = [m for m in res["dlopen"] if m["module"].endswith("pam_permit.so")]
    floor_p50 = floor[0]["p50_us"] if floor else 0
    for m in res["dlopen"]:
        lines.append(f"| {Path(m['module']).name} | {m['size'] / 1024:.0f} KiB | "
                     f"{', '.join(m['needed'])} | {m['closure']} | {m['p50_us']:.0f} | "
                     f"{m['p99_us']:.0f} | {m['min_us']:.0f} | {m['p50_us'] - floor_p50:.0f} |")
    lines.append("")


def _summary(res, lines):
    rows = []
    if "pam" in res:
        p = res["pam"]
        floor = p["bench-permit"]["mean_ms"]
        ga, mfa = p["bench-ga"]["mean_ms"] - floor, p["bench-mfa"]["mean_ms"] - floor
        rows.append(("PAM: pam_mfa adds ≤ 1/10 of pam_google_authenticator's added latency",
                     f"{mfa:.1f} ms vs {ga:.1f} ms ({mfa / ga:.1f}×)", mfa <= ga / 10))
        rows.append(("PAM: replay state durable before success",
                     f"{p['mfa_steps_recorded']}/{p['bench-mfa']['n']} steps on disk, "
                     f"{p.get('syscalls', {}).get('bench-mfa', {}).get('fdatasync', '?')} "
                     "fdatasync per login", p["mfa_steps_recorded"] == p["bench-mfa"]["n"]))
    if "http" in res:
        first = res["http"][0]
        at64 = [lv for lv in first["levels"] if lv["conns"] == 64]
        if at64:
            v, n = at64[0]["verify"], at64[0]["nginx"]
            rows.append(("HTTP: ≥ 25% of nginx at 64 connections",
                         f"{v['rps'] / n['rps'] * 100:.2f}% ({v['rps']:.0f} vs {n['rps']:.0f}/s)",
                         v["rps"] / n["rps"] >= 0.25))
            rows.append(("HTTP: p99 < 10 ms at 64 connections", f"{v['p99_ms']:.0f} ms",
                         v["p99_ms"] < 10))
        pts = {e["users"]: e for e in res.get("scale", [])}
        if pts.get(10000) and pts.get(1000000) and res["scale"][0]["users"] == 10000:
            ratio = pts[1000000]["ratio_to_first"]
            rows.append(("Scale: throughput at 1M within 20% of 10k",
                         f"{ratio * 100:.0f}% (median of {len(pts[10000]['rounds'])} paired "
                         "rounds)", ratio >= 0.8))
        rss = max(e["rss_end_kb"]["VmHWM"] for e in res["http"] + res.get("scale", [])) / 1024
        rows.append(("Scale: RSS < 100 MB", f"peak {rss:.1f} MiB", rss < 100))
    if "dlopen" in res:
        mods = {Path(m["module"]).name: m for m in res["dlopen"]}
        if "pam_mfa.so" in mods:
            m = mods["pam_mfa.so"]
            rows.append(("Module: NEEDED only libc + libpam", ", ".join(m["needed"]),
                         sorted(m["needed"]) == ["libc.so.6", "libpam.so.0"]))
    lines += ["## Summary", "", "| target | this run | |", "|---|---|---|"]
    for what, got, ok in rows:
        lines.append(f"| {what} | {got} | {'met' if ok else '**missed**'} |")
    lines += ["", "Why the misses happen and what was changed: see the notes at the end.", ""]


def write_report(res, out):
    m = res["machine"]
    lines = ["# mfad benchmarks", "",
             "Generated by `make bench` (bench/run_bench.py); raw figures in "
             "bench/RESULTS.json. Do not edit by hand: rerun.", "",
             "## Machine and run", "",
             f"- date: {m['date']}, commit {m['commit']}, whole run {res.get('wall_s', '?')} s",
             f"- CPU: {m['cpu']}, {m['cores']} cores (shared with other work: figures are "
             "noisy; every comparison is with a reference measured in the same run)",
             f"- memory {m['mem_gb']} GB; kernel {m['kernel']}; Debian {m['os']}",
             f"- temp dir on {m['fs']}; **fsync of a 4 KiB write: {m['fsync_ms']} ms** "
             "(this bounds every durable commit below)",
             f"- command: `make bench` = `python3 bench/run_bench.py --build "
             f"{Path(res['args']['build']).name} --pam-users {res['args']['pam_users']} "
             f"--http-users {res['args']['http_users']} --levels {res['args']['levels']} "
             f"--scale {res['args']['scale']} --scale-rounds {res['args']['scale_rounds']}`",
             "- mfad: dev instance, 2 worker threads, SQLite WAL `synchronous=FULL`, log level "
             "info to a file, policy `mode: required`", ""]
    _summary(res, lines)
    if "pam" in res:
        _pam(res, lines)
    if "http" in res:
        _http(res, lines)
    if "scale" in res:
        _scale(res, lines)
    if "dlopen" in res:
        _dlopen(res, lines)
    notes = Path(__file__).resolve().parent / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text()]
    out.write_text("\n".join(lines) + "\n")
