"""What storage tells its callers when the database cannot serve them."""

from __future__ import annotations


class StorageError(Exception):
    """A database that cannot be used; the message is one line a person can act on."""


class StorageUnavailable(Exception):
    """The database cannot take this now (locked, busy, disk full, connection lost): nothing of the
    transaction was stored; the caller may say "try again"."""


class StorageConflict(StorageUnavailable):
    """Another writer got in the way (a deadlock, a serialization failure): the transaction was
    rolled back, and doing it again is expected to work."""
