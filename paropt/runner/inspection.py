"""Keeping trial processes from reading the runner's environment and memory."""

from __future__ import annotations

import ctypes
import sys

# From <linux/prctl.h>.
PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def forbid_inspection() -> bool:
    """Make this process non-dumpable; return whether that took effect.

    Trials run as the runner's user. A non-dumpable process's ``/proc/<pid>``
    files belong to root, so processes of that user can no longer read the
    runner's environment (its task role's credential address and its task
    token) or its memory, nor attach to it with ptrace. Children that execute
    a program, such as every trial, are dumpable again. Root is not held back.
    """
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        return False
    return libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0
