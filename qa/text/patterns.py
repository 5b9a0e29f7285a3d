"""The patterns every stage reads text with, each written once here.

A year is four digits of this century or the last, standing alone; a month is its English
name.

>>> YEAR_RE.findall("From 1999 to 2016, not 2101, 12016 or 2016a.")
['1999', '2016']
>>> re.findall(rf"\\b\\d{{1,2}} (?:{MONTHS})\\b", "on 8 September and 31 June")
['8 September', '31 June']
"""

from __future__ import annotations

import re

YEAR = r"(?:19|20)\d\d"
YEAR_RE = re.compile(rf"\b({YEAR})\b")  # group 1: the year
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
