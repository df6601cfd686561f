"""The shipped lessons pass `lesson check`, cover every topic in 4 to 8 steps, and point only at controls their
pages draw; the lesson system's facts about each page (slot, dataset key, URL keys) match pages/*.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from engine.__main__ import main
from engine.lessons import library
from engine.lessons.format import TOPICS
from engine.lessons.pages import PAGE_FACTS, PAGES, RUN_BUTTONS

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "lessons").glob("*.toml"))


def page_source(file: str) -> ast.Module:
    return ast.parse((ROOT / "pages" / file).read_text())


def assigned(tree: ast.Module) -> dict[str, object]:
    """Module-level NAME = literal assignments of a page file."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if isinstance(node.value, (ast.List, ast.Tuple)):  # the string literals of a list (names left out)
                out[node.targets[0].id] = [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
            elif isinstance(node.value, ast.Dict):  # a dict of key lists (the classifier page's GROUPS)
                out[node.targets[0].id + "_KEYS"] = [e.value for v in node.value.values
                                                     if isinstance(v, (ast.List, ast.Tuple)) for e in v.elts
                                                     if isinstance(e, ast.Constant)]
            elif isinstance(node.value, ast.Constant):
                out[node.targets[0].id] = node.value.value
    return out


def drawn_keys(page) -> set[str]:
    """The widget keys a page draws: its *_KEYS lists (config keys), its page keys, its dataset key, the run
    buttons of its slot, and every literal key="..." in the file."""
    tree = page_source(page.file)
    names = assigned(tree)
    keys = {k for name, v in names.items() if name.endswith("_KEYS") and isinstance(v, (list, tuple)) for k in v}
    keys = {page.prefix + k for k in keys} | {k for k in names.get("PAGE_KEYS", ())}
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "key" and isinstance(node.value, ast.Constant):
            keys.add(node.value.value)
    if page.prefix:  # the game's round settings are drawn by its views module: controls.widget(table["length"], ...)
        views = ast.parse((ROOT / "app" / "ui" / "real_or_fake_views.py").read_text())
        keys |= {page.prefix + n.slice.value for n in ast.walk(views) if isinstance(n, ast.Subscript)
                 and isinstance(n.value, ast.Name) and n.value.id == "table" and isinstance(n.slice, ast.Constant)}
        keys.add("rof_model")  # MODEL_KEY, the model picker
    if page.facts.dataset_key:
        keys.add(page.facts.dataset_key)
    if page.slot:
        keys |= {f"{page.slot}_{b}" for b in RUN_BUTTONS}
    return keys


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_lesson_passes_lesson_check(path, capsys):
    assert main(["lesson", "check", str(path)]) == 0, capsys.readouterr().err


def test_the_shipped_lessons_cover_every_topic_in_four_to_eight_steps():
    lib = library.load(ROOT / "lessons")
    assert not lib.problems, [str(e) for e in lib.problems]
    assert len(lib.lessons) >= 10
    covered = {t for lesson in lib.lessons.values() for t in lesson.topics}
    assert covered == set(TOPICS)
    for lesson in lib.lessons.values():
        assert 4 <= len(lesson.steps) <= 8, lesson.id
        assert any(s.question is not None for s in lesson.steps), f"{lesson.id}: predict-then-observe asks"


def test_a_shipped_lesson_points_only_at_controls_its_pages_draw():
    lib = library.load(ROOT / "lessons")
    for lesson in lib.lessons.values():
        for step in lesson.steps:
            page = PAGES[step.page]
            missing = set(step.highlight) - drawn_keys(page)
            assert not missing, f"{lesson.id} step {step.index + 1}: {page.file} draws no {sorted(missing)}"


@pytest.mark.parametrize("file", [f for f in PAGE_FACTS if PAGE_FACTS[f].slot and f != "compare.py"])
def test_the_facts_about_each_page_match_its_file(file):
    tree = page_source(file)
    names = assigned(tree)
    facts = PAGE_FACTS[file]
    assert names.get("SLOT") == facts.slot
    page_keys = set(names.get("PAGE_KEYS", ()))
    if file != "gan_2d.py":
        assert facts.dataset_key in page_keys, (facts.dataset_key, page_keys)
    assert set(facts.extra) <= page_keys | {"layers"}
    assert f"{facts.slot}_speed" in page_keys or file == "gan_2d.py" and "gan2d_speed" in page_keys


def test_every_family_page_is_a_lesson_page():
    from engine.registry import FAMILIES

    files = {p.file for record in FAMILIES.values() for p in record.pages}
    assert files <= set(PAGE_FACTS)
    assert {"gan-2d", "compare", "real-or-fake", "home"} <= set(PAGES)


def test_the_readme_example_is_a_lesson_that_passes_the_check(tmp_path, capsys):
    text = (ROOT / "README.md").read_text()
    start = text.index("### The lesson format")
    block = text[text.index("```toml", start) + len("```toml"):text.index("```", text.index("```toml", start) + 7)]
    path = tmp_path / "readme_example.toml"
    path.write_text(block)
    assert main(["lesson", "check", str(path)]) == 0, capsys.readouterr().err
