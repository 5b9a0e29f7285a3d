"""Case and accent folding, for matching names as a reader would.

>>> fold("Šimonović") == fold("SIMONOVIC")
True
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case, accent-free text for name matching (Šimonović ~ Simonovic)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
