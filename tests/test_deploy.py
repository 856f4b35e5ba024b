"""The systemd units in deploy/: systemd accepts them without a warning, they keep their hardening,
and warroom really runs under what they impose (no writable-and-executable memory, no new
privileges) and stops cleanly on their KillSignal within their TimeoutStopSec."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness import ROOT
from harness.bots import BotProcess
from tests.e2e.helpers import newest_incident_channel, pinned, texts

DEPLOY = ROOT / "deploy"
UNITS = sorted(p.name for p in DEPLOY.iterdir() if p.suffix in (".service", ".timer"))
INSTALLED_WARROOM = "/opt/warroom/bin/warroom"  # where README's "Run as a service" installs it
THIS_WARROOM = Path(sys.executable).parent / "warroom"  # the entry point pip installed next to this Python


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    assert found, "systemd-analyze is missing: apt-get install systemd (.ci/run installs it)"
    return found


def unit(name: str) -> str:
    return (DEPLOY / name).read_text()


def setting(name: str, key: str) -> list[str]:
    return re.findall(rf"^{key}=(.*)$", unit(name), re.M)


@pytest.fixture
def rendered(tmp_path) -> Path:
    """The units as installed here: ExecStart points at this environment's warroom, which systemd checks exists."""
    assert THIS_WARROOM.is_file(), f"{THIS_WARROOM} is missing: pip install -e . first"
    for name in UNITS:
        (tmp_path / name).write_text(unit(name).replace(INSTALLED_WARROOM, str(THIS_WARROOM)))
    return tmp_path


def test_the_units_are_the_ones_the_readme_installs():
    assert UNITS == ["warroom-backup.service", "warroom-backup.timer", "warroom.service"]
    assert setting("warroom.service", "ExecStart") == [f"{INSTALLED_WARROOM} run"]
    assert INSTALLED_WARROOM in setting("warroom-backup.service", "ExecStart")[0]
    readme = (ROOT / "README.md").read_text()
    for name in UNITS + ["warroom.env.example"]:
        assert f"deploy/{name}" in readme, name


def test_systemd_verifies_every_unit_without_a_warning(rendered):
    done = subprocess.run([systemd_analyze(), "verify", *(str(rendered / name) for name in UNITS)],
                          capture_output=True, text=True, timeout=120, cwd=rendered)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_unit_whose_warroom_is_missing_fails_verification(tmp_path):
    (tmp_path / "warroom.service").write_text(unit("warroom.service").replace(INSTALLED_WARROOM, str(tmp_path / "nope")))
    done = subprocess.run([systemd_analyze(), "verify", str(tmp_path / "warroom.service")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "is not executable" in done.stderr


# exposure in tenths, as --threshold takes it: systemd rates 15 (1.5) "OK" and 10 (1.0) "SAFE"
@pytest.mark.parametrize("name,threshold", [("warroom.service", 15), ("warroom-backup.service", 10)])
def test_systemd_rates_the_services_well_hardened(rendered, name, threshold):
    done = subprocess.run([systemd_analyze(), "security", "--offline=yes", f"--threshold={threshold}",
                           "--no-pager", str(rendered / name)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr


def test_the_service_settings_an_operator_relies_on():
    service = "warroom.service"
    assert setting(service, "User") == ["warroom"] and setting(service, "StateDirectory") == ["warroom"]
    assert setting(service, "EnvironmentFile") == ["/etc/warroom/warroom.env"]
    assert "WARROOM_CONFIG=/etc/warroom/warroom.yml" in setting(service, "Environment")[0]
    assert not [line for line in setting(service, "Environment") if "TOKEN" in line]  # secrets stay in the env file
    assert (setting(service, "Restart"), setting(service, "KillSignal")) == (["on-failure"], ["SIGTERM"])
    assert setting(service, "RestartPreventExitStatus") == ["2"]  # warroom's exit code for a bad config or token
    assert int(setting(service, "LimitNOFILE")[0]) >= 65536 and setting(service, "UMask") == ["0077"]
    assert setting(service, "MemoryDenyWriteExecute") == ["yes"]  # see the next test: warroom tolerates it


def test_the_launcher_refuses_writable_executable_memory():
    launcher = ROOT / "tests" / "mdwe_launcher.py"
    probe = "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)"
    done = subprocess.run([sys.executable, str(launcher), "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "PermissionError: [Errno 1] Operation not permitted" in done.stderr


def test_warroom_runs_under_the_units_memory_rules_and_stops_cleanly_on_sigterm(sandbox, tmp_path):
    bot = BotProcess(sandbox, tmp_path, python=[sys.executable, str(ROOT / "tests" / "mdwe_launcher.py")])
    try:
        bot.start()
        status = (Path(f"/proc/{bot.process.pid}/status")).read_text()
        assert re.search(r"^NoNewPrivs:\s+1$", status, re.M) and re.search(r"^Seccomp:\s+2$", status, re.M)
        result = sandbox.as_user("alice").command("/incident", "declare Hardened host sev2", channel="general")
        assert result.ack and "Declaring incident #1" in result.ack["text"]
        sandbox.wait_for(lambda: [c for c in sandbox.channels() if c["name"].startswith("incident-")], timeout=20)
        channel = newest_incident_channel(sandbox)
        sandbox.wait_for(lambda: len(pinned(sandbox, channel["id"])) == 1, timeout=20, message="status never pinned")
        assert sandbox.as_user("alice").command("/incident", "resolve Fixed on a hardened host",
                                                channel=channel["id"]).ack == {}
        sandbox.wait_for(lambda: any("Incident #1 resolved" in text for text in texts(sandbox, channel["id"])),
                         timeout=20, message="no wrap-up")

        stop_timeout = float(setting("warroom.service", "TimeoutStopSec")[0].rstrip("s"))
        bot.process.send_signal(signal.Signals[setting("warroom.service", "KillSignal")[0]])
        assert bot.process.wait(timeout=stop_timeout) == 0
    finally:
        bot.stop()
    log = bot.log()
    assert "warroom.stopped" in log and "Operation not permitted" not in log and "Traceback" not in log
    assert not Path(f"{bot.db_path}.lock").exists()
