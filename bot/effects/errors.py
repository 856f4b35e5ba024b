"""How an effect handler tells the runner what went wrong; no chat platform appears here."""

from __future__ import annotations


class RetryLater(Exception):
    """A passing failure (rate limit, 5xx, network): try again after ``delay`` seconds.

    ``delay`` None lets the runner back off exponentially.
    """

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class NotReady(Exception):
    """What the effect needs does not exist yet (say, the incident's channel); nothing was sent."""

    def __init__(self, reason: str, delay: float = 1.0) -> None:
        super().__init__(reason)
        self.delay = delay


class Busy(Exception):
    """Nothing was sent: the handler's own limit on work at once is reached (a slow receiver must not take
    every worker). Look again after ``delay`` seconds, as often as needed: not an attempt, no age limit."""

    def __init__(self, reason: str, delay: float, *, whole_kind: bool = True) -> None:
        super().__init__(reason)
        self.delay = delay
        # True: the limit is the kind's, so none of its kind is claimed until one under way is done;
        # False: only this one's share is taken (one receiver's), and others of its kind may go
        self.whole_kind = whole_kind


class Permanent(Exception):
    """Retrying cannot help (channel archived, invalid arguments): give up and say why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Finished(Exception):
    """The handler's work was a database change, and it marked the effect done in that same transaction,
    so the work and its completion cannot be split by a crash (keeping only its payload without secrets:
    ``bot.effects.runner.without_secrets``). ``claim_lost``: it found that another sender had taken the
    effect over, and changed nothing."""

    def __init__(self, *, claim_lost: bool = False) -> None:
        super().__init__("claim lost" if claim_lost else "finished by its handler")
        self.claim_lost = claim_lost
