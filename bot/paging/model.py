"""What the paging domain refuses; escalations and pages are kernel value types."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UserError


class PagingError(UserError):
    """A paging request that cannot be done as asked (see :class:`bot.errors.UserError`)."""


@dataclass(frozen=True)
class DmGroup:
    """The DM a page joins: ``new`` when this page starts it (it goes out at once; updates settle)."""

    name: str
    new: bool
