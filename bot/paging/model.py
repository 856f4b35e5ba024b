"""What the paging domain refuses; escalations and pages are kernel value types."""

from __future__ import annotations

from bot.errors import UserError


class PagingError(UserError):
    """A paging request that cannot be done as asked (see :class:`bot.errors.UserError`)."""
