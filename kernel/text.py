"""Rules for text from people and monitors that every layer applies the same way."""

from __future__ import annotations

import re

# Bidirectional controls (LRE/RLE/PDF/LRO/RLO, the isolates, the marks): a title with a right-to-left
# override can display as something else entirely ("exe.gnp" for "png.exe"). Nothing warroom shows
# needs them, so they are removed wherever text comes in and again wherever it goes out.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi_controls(text: str) -> str:
    return _BIDI_CONTROLS.sub("", text)
