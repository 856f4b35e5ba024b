"""The process's open-files limit, raised at start as far as the system allows.

systemd starts services with a soft limit of 1,024 open files and a hard limit far above it. Every
webhook connection, every Slack Web API call and the database hold file descriptors; at 1,024 a
burst of slow connections once left none for Slack. Only the soft limit is ours to raise.
"""

from __future__ import annotations

import resource

RLIM_INFINITY = resource.RLIM_INFINITY
WANTED_OPEN_FILES = 65_536    # far more than warroom needs; past it the connection cap is what matters


def raise_open_files_limit(wanted: int = WANTED_OPEN_FILES) -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE towards ``wanted``, never past the hard limit; returns (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft, hard
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):  # a container may forbid it; the connection cap still holds
        return soft, hard
    return target, hard


def open_files_limit() -> int:
    """The soft limit now (what the process can actually open)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return WANTED_OPEN_FILES if soft == resource.RLIM_INFINITY else int(soft)
