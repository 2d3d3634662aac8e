"""This process's id, kept up to date across fork() without a system call per check (storage layer).

Storages check on every statement whether they run in a child of the process that opened them (a
child must not use the parent's connections); `os.getpid()` is a system call, made ~100 times per
QualifyLead. `pid` is read instead: it is refreshed in the child right after fork()."""

from __future__ import annotations

import os

__all__ = ["pid"]

pid: int = os.getpid()
"""The current process's id (re-read in a child after fork())."""


def _after_fork_in_child() -> None:
    global pid
    pid = os.getpid()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork()
    os.register_at_fork(after_in_child=_after_fork_in_child)
