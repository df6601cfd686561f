"""Where each key of a TOML file is written, so a problem found after parsing names its line (tomllib keeps no
positions). A light scan of the text: table headers (`[a.b]`, `[[a.b]]`, counting the elements of arrays of
tables), `key = value` lines, multi-line strings skipped. Paths are tuples of keys and array indices, e.g.
("steps", 2, "question", "choices", 1, "correct"); a key inside an inline table or a multi-line array is found at
the line of the key that holds it (`line` walks up the path).
"""

from __future__ import annotations

import re

HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
KEY = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", dotted)]


class Lines:
    """path -> line number (1-based) of a TOML text."""

    def __init__(self, text: str):
        self.at: dict[tuple, int] = {}
        arrays: dict[tuple, int] = {}  # an array of tables' resolved path -> index of its current element
        current: tuple = ()
        quote = None  # the delimiter of the multi-line string being skipped
        for number, line in enumerate(text.splitlines(), 1):
            if quote is not None:
                if line.count(quote) % 2 == 1:
                    quote = None
                continue
            header = HEADER.match(line)
            if header:
                path: tuple = ()
                parts = _parts(header.group(2))
                for i, part in enumerate(parts):
                    path = path + (part,)
                    if path in arrays and i < len(parts) - 1:  # a table inside the array's current element
                        path = path + (arrays[path],)
                if header.group(1) == "[[":
                    arrays[path] = arrays.get(path, -1) + 1
                    self.at.setdefault(path, number)
                    path = path + (arrays[path],)
                current = path
                self.at[path] = number
                continue
            key = KEY.match(line)
            if key:
                self.at.setdefault(current + tuple(_parts(key.group(1))), number)
                rest = line[key.end():]
                for delimiter in ('"""', "'''"):
                    if rest.count(delimiter) % 2 == 1:
                        quote = delimiter
                        break

    def line(self, *path) -> int:
        """The line of `path`, or of the nearest key above it that was found (1 when none was)."""
        path = tuple(path)
        while path:
            if path in self.at:
                return self.at[path]
            path = path[:-1]
        return 1
