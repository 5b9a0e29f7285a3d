"""qa: question answering with checkable citations over a folder of documents, offline."""

from __future__ import annotations

__version__ = "0.1.0"
