"""Errors that carry what a user needs to fix the input: which file or field, and what was expected."""

from __future__ import annotations


class CurbsideError(Exception):
    """Base class: an error whose message is fit to show a user as one line."""

    exit_code = 1


class InputError(CurbsideError):
    """Bad user input: a file, a field or an argument that is not what was expected."""

    def __init__(self, where: str, problem: str):
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class StoreError(CurbsideError):
    """The store could not be opened or written."""


class DiskFullError(StoreError):
    """The disk (or the store's file system) is full: nothing half-written was kept, the store is as it was."""

    exit_code = 4


class StoreDamagedError(StoreError):
    """The store file is damaged (a corrupt page, not a SQLite database)."""

    exit_code = 3
