"""Process limits the benchmark needs: 10,000 EA connections need more than 1024 descriptors."""

from __future__ import annotations

import resource

WANTED_FDS = 65536


def raise_fd_limit(wanted: int = WANTED_FDS) -> int:
    """Raise the soft RLIMIT_NOFILE towards ``wanted`` (capped by the hard limit); the result."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if hard != resource.RLIM_INFINITY and hard < wanted:
        try:  # root with CAP_SYS_RESOURCE may raise the hard limit too
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            return wanted
        except (ValueError, OSError):
            pass
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft
