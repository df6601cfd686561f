"""Read 2D points from CSV text: x, y per line; comma, semicolon, tab or spaces; an optional header row."""

from __future__ import annotations

import re

import numpy as np

from engine.data.errors import BadInput

_SPLIT = re.compile(r"[,;\t ]+")


def parse_points_csv(data: bytes | str) -> np.ndarray:
    """(M, 2) float32 points. BadInput names the line and the problem (text, NaN, wrong column count, empty)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadInput("the file is not text (UTF-8): save it as a CSV of numbers") from None
    lines = [(i + 1, line.strip()) for i, line in enumerate(data.splitlines())]
    lines = [(n, line) for n, line in lines if line and not line.startswith("#")]
    if not lines:
        raise BadInput("the file is empty: it needs one 'x, y' pair of numbers per line")
    points = []
    for index, (n, line) in enumerate(lines):
        cells = [c for c in _SPLIT.split(line) if c]
        if len(cells) != 2:
            raise BadInput(f"line {n} has {len(cells)} value(s) ('{line[:40]}'): each line needs exactly two, x and y")
        try:
            x, y = float(cells[0]), float(cells[1])
        except ValueError:
            if index == 0:  # a header row such as "x,y"
                continue
            raise BadInput(f"line {n} holds text where a number should be ('{line[:40]}')") from None
        if not (np.isfinite(x) and np.isfinite(y)):
            raise BadInput(f"line {n} holds a value that is not a finite number ('{line[:40]}')")
        points.append((x, y))
    if not points:
        raise BadInput("the file has a header but no points below it")
    return np.asarray(points, dtype=np.float32)
