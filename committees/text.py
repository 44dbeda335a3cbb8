"""Folding Vietnamese text into a search key.

"Nguyễn Văn Gấu" and "nguyen van gau" fold to the same key, so a search typed
without diacritics finds the name on SQLite and PostgreSQL alike, through an
ordinary (or trigram) index on the stored key.
"""

from __future__ import annotations

import unicodedata

# Letters that do not decompose into a base letter and a combining mark.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def fold(text: str) -> str:
    """Lower-case ASCII, diacritics removed, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())
