"""`warroom sandbox --script` plays a whole incident, and a failing line fails the run."""

import subprocess
import sys

from harness import ROOT


def run_script(tmp_path, text, **env):
    script = tmp_path / "script.txt"
    script.write_text(text)
    return subprocess.run([sys.executable, "-m", "bot.cli", "sandbox", "--script", str(script)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), **env})


def test_the_readme_example_plays_a_whole_incident():
    done = subprocess.run([sys.executable, "-m", "bot.cli", "sandbox", "--script", "examples/incident.txt"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for expected in ("+ channel #incident-", "· 📌 pinned: == 🔥 Incident #1", "You are being paged",
                     "@carol acknowledged the page.", "there has been no status update", "Incident #1 resolved",
                     "\n    Open follow-ups\n", "✅ Resolved: Checkout errors for EU customers"):
        assert expected in out, expected


def test_the_on_call_example_plays_alerts_and_paging():
    done = subprocess.run([sys.executable, "-m", "bot.cli", "sandbox", "--script", "examples/oncall.txt"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for expected in ("On call now", "has the pager for primary", "🚨 Alert #1: Checkout 5xx above 5%",
                     "You are being paged", "Acknowledged by @carol"):
        assert expected in done.stdout, expected


def test_a_failing_line_stops_the_script_with_a_nonzero_exit(tmp_path):
    done = run_script(tmp_path, "/incident declare Test sev3\n:expect this text never appears\n/incident list\n")
    assert done.returncode == 1
    assert "line 2 failed: expected to see 'this text never appears'" in done.stderr
    assert "/incident list" not in done.stdout


def test_unknown_sandbox_commands_and_missing_buttons_fail(tmp_path):
    assert "unknown sandbox command :frobnicate" in run_script(tmp_path, ":frobnicate\n").stderr
    assert "no button labelled 'Acknowledge'" in run_script(tmp_path, ":click Acknowledge\n").stderr


def test_missing_script_is_a_clear_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bot.cli", "sandbox", "--script", str(tmp_path / "nope.txt")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "cannot read script" in done.stderr
