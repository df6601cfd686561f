"""The pages of GenLab: Home, every family's pages as its record declares them (engine/registry.py), Compare, the
real-or-fake game, then the room's pages (the workshop, the board, the room's control, the instructor's view).
app/main.py builds the navigation from this; pages link to each other through `page`. The dashboard's own pages are
declared in engine/lessons/pages.py, beside what a lesson step needs to know of every page."""

import copy
import functools
import logging
from pathlib import Path

import streamlit as st

from engine.family import Page
from engine.lessons.pages import BOARD, COMPARE, GAME, HOME, INSTRUCTOR, JOIN, ROOM
from engine.registry import FAMILIES

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"
log = logging.getLogger(__name__)
__all__ = ["HOME", "COMPARE", "GAME", "JOIN", "BOARD", "ROOM", "INSTRUCTOR", "all_pages", "page", "navigation"]


def all_pages() -> list[Page]:
    """Every page whose file is there (a family declared but not yet given its page is left out of the menu, with a
    warning in the server's log, instead of stopping the whole app; tests/unit/test_architecture.py insists on the
    file). The files are looked up once per process: the server does not watch them (fileWatcherType none)."""
    return list(_present_pages())


@functools.lru_cache(maxsize=None)
def _present_pages() -> tuple[Page, ...]:
    pages = [HOME, *(p for record in FAMILIES.values() for p in record.pages), COMPARE, GAME, JOIN, BOARD, ROOM,
             INSTRUCTOR]
    missing = [p.file for p in pages if not (PAGES_DIR / p.file).exists()]
    if missing:
        log.warning("pages declared without their file, left out of the menu: %s", ", ".join(missing))
    return tuple(p for p in pages if p.file not in missing)


def _st_page(p: Page) -> st.Page:
    """A fresh `st.Page` for `p`: a copy of one built once per process. Building one resolves its file on disk
    (7% of a page's rerun when a room clicked at once); the copy keeps the flags `st.navigation` sets on the page it
    returns (which may be called once) apart for every session and run."""
    return copy.copy(_built_page(p))


@functools.lru_cache(maxsize=None)
def _built_page(p: Page) -> st.Page:
    return st.Page(str(PAGES_DIR / p.file), title=p.title, icon=p.icon, url_path=p.url, default=p is HOME)


def page(file: str) -> st.Page:
    for p in all_pages():
        if p.file == file:
            return _st_page(p)
    raise KeyError(file)


def navigation() -> dict[str, list[st.Page]]:
    """The menu's sections, built on every rerun of every session from pages looked up and built once."""
    sections: dict[str, list[st.Page]] = {}
    for p in all_pages():
        sections.setdefault(p.section, []).append(_st_page(p))
    return sections
