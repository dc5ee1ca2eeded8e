"""Errors the user can act on: each carries a one-line message naming the input and the fix."""

from __future__ import annotations


class PlannerError(Exception):
    """Base class for errors shown to the user as one line, without a traceback."""


class InputError(PlannerError):
    """A file, row or key the user gave is wrong; the message says where and what to do."""


class InfeasibleError(PlannerError):
    """The policies cannot all hold at once; the message explains which ones bind."""


class NoPlanInTimeError(InfeasibleError):
    """The solver found no plan within its time limit (the policies may still hold)."""


class UnsolvableError(PlannerError):
    """The model as built cannot be solved: it is unbounded or holds a non-finite number."""
