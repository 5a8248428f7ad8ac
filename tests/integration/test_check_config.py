"""`mfad --check-config FILE` (issue 20 item 13): says whether the daemon would start with FILE
and the policy it names, without starting it (no socket, no database, no key file created)."""
import subprocess

from conftest import MFAD


def check(path):
    return subprocess.run([str(MFAD), "--check-config", str(path)], capture_output=True,
                          text=True, timeout=30)


def test_good_config_is_ok_and_touches_nothing(mfad_factory):
    inst = mfad_factory(start=False)
    (inst.dir / "policy.yaml").write_text("defaults: {mode: optional}\n")
    before = sorted(p.name for p in inst.dir.iterdir())
    r = check(inst.config_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{inst.config_path}: OK (policy ")
    assert sorted(p.name for p in inst.dir.iterdir()) == before  # no socket, db or key file


def test_broken_policy_is_reported_with_its_line(mfad_factory):
    inst = mfad_factory(start=False)
    (inst.dir / "policy.yaml").write_text("defaults:\n  mode: sometimes\n")
    r = check(inst.config_path)
    assert r.returncode == 1
    assert "policy.yaml" in r.stderr and "sometimes" in r.stderr, r.stderr
    assert r.stdout == ""


def test_broken_config_is_reported(tmp_path):
    bad = tmp_path / "mfad.yaml"
    bad.write_text("listeners: [\n")
    r = check(bad)
    assert r.returncode == 1
    assert str(bad) in r.stderr, r.stderr


def test_missing_file_is_reported(tmp_path):
    r = check(tmp_path / "nope.yaml")
    assert r.returncode == 1
    assert "nope.yaml" in r.stderr
