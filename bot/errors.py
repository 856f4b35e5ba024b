"""Problems with what someone asked for, as a code plus facts; the words live in templates/errors.j2."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """A request that cannot be done as asked.

    ``code`` names the block of ``templates/errors.j2`` that explains it and how to do it right;
    ``field`` names the form input it is about, so a modal can show it under that input.
    """

    def __init__(self, code: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params

    def __str__(self) -> str:  # for logs; people see the rendered template
        details = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.code}({details})" if details else self.code
