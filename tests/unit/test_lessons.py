"""Lessons: the format and its parser (every kind of problem at its line), the checker against the registry, the
command line, the run checks, Peer Instruction's thresholds, the room's ablation against engine/compare, the
pictures and the library folder."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from engine.__main__ import main
from engine.compare import summarise, verdict
from engine.lessons import ablation, checks, library, peer, pictures
from engine.lessons.checker import check
from engine.lessons.format import PRESET, Experiment, LessonError, Question, Choice, parse

GOOD = textwrap.dedent('''\
    title = "Mode collapse"
    minutes = 20
    topics = ["gan-2d"]
    summary = "A plain GAN on ring8, then minibatch discrimination."

    [[steps]]
    title = "A plain GAN"
    page = "gan-2d"
    say = """
    Press **Play**.
    """
    highlight = ["z_dim", "gan2d_play"]
    check = "modes_covered <= 4 at step 2000"

    [steps.preset]
    dataset = "ring8"
    z_dim = 1
    speed = 0

    [steps.question]
    kind = "number"
    text = "How many of the 8 modes?"
    answer = 3
    tolerance = 1
    unit = "modes"
    right = "Yes."
    wrong = "Look again."

    [[steps]]
    title = "Minibatch discrimination"
    page = "gan-2d"
    say = "Turn it on."
    check = "modes_covered >= 7 by step 3000"

    [steps.preset]
    dataset = "ring8"
    z_dim = 1

    [steps.question]
    kind = "single"
    text = "Will it cover more modes?"

    [[steps.question.choices]]
    text = "Yes"
    correct = true
    feedback = "Right."

    [[steps.question.choices]]
    text = "No"
    feedback = "Not here."

    [steps.experiment]
    metric = "modes_covered"
    at_step = 2000
    baseline = "plain"
    assign = true

    [steps.experiment.variants]
    plain = {}
    mbd = { minibatch_discrimination = true, mbd_kernels = 8 }
    ''')


def problems_of(text: str) -> list[tuple[int, str]]:
    """(line, reason) of every problem, from the parser or the checker."""
    try:
        lesson = parse(text, "x.toml", "x")
    except LessonError as err:
        return [(p.line, p.reason) for p in err.problems]
    return [(p.line, p.reason) for p in check(lesson)]


def line_of(text: str, needle: str | tuple[str, int]) -> int:
    """The line of the first (or the n-th: (needle, n)) line holding `needle`."""
    needle, nth = needle if isinstance(needle, tuple) else (needle, 1)
    return [i for i, line in enumerate(text.splitlines(), 1) if needle in line][nth - 1]


def test_a_good_lesson_parses_and_checks():
    lesson = parse(GOOD, "mode.toml", "mode")
    assert check(lesson) == []
    first, second = lesson.steps
    assert first.preset == {"dataset": "ring8", "z_dim": 1, "speed": 0} and first.highlight == ("z_dim", "gan2d_play")
    assert first.question.kind == "number" and first.question.is_right(4) and not first.question.is_right(5)
    assert first.check.metric == "modes_covered" and first.check.when == "at" and first.check.step == 2000
    assert second.question.text == "Will it cover more modes?" and second.question.right_answer() == "Yes" and second.question.is_right(0) and not second.question.is_right(1)
    assert second.experiment.variants["mbd"] == {"minibatch_discrimination": True, "mbd_kernels": 8}
    assert second.metric == "modes_covered" and first.metric == "modes_covered"


@pytest.mark.parametrize("change, needle, reason", [
    (('z_dim = 1\nspeed', 'z_dim = 9999\nspeed'), "z_dim = 9999", "bad value 9999 for 'z_dim'"),
    (('page = "gan-2d"\nsay = """', 'page = "gan-3d"\nsay = """'), 'page = "gan-3d"', "no page 'gan-3d'"),
    (('z_dim = 1\nspeed', 'zdim = 1\nspeed'), "zdim = 1", "unknown preset key 'zdim'"),
    (('dataset = "ring8"\nz_dim = 1\nspeed', 'dataset = "digits"\nz_dim = 1\nspeed'), 'dataset = "digits"',
     "dataset 'digits' is not offered on the page gan-2d"),
    (('speed = 0', 'speed = 3'), "speed = 3", "speed 3: expected one of"),
    (('"gan2d_play"]', '"gan2d_plya"]'), "highlight", "no control 'gan2d_plya'"),
    (('check = "modes_covered <= 4 at step 2000"', 'check = "modes covered at least 7"'), "check = \"modes covered",
     "is not a check: expected METRIC OP NUMBER"),
    (('check = "modes_covered <= 4 at step 2000"', 'check = "mode_covered <= 4"'), "check = \"mode_covered",
     "'mode_covered' is not in the gan family's summary (did you mean modes_covered"),
    (('check = "modes_covered <= 4 at step 2000"', 'check = "modes_covered <= 4 in at least 2 dimensions"'),
     "in at least 2", "is one number per evaluation"),
    (('answer = 3\n', ''), "[steps.question]", "has no answer"),
    (('text = "No"\n', 'text = "No"\ncorrect = true\n'), ("[steps.question]", 2),
     "needs exactly one choice with correct"),
    (('kind = "single"', 'kind = "ranking"'), 'kind = "ranking"', "unknown question kind 'ranking'"),
    (('minutes = 20', 'minutes = "twenty"'), "minutes =", "'minutes' must be a whole number"),
    (('topics = ["gan-2d"]', 'topics = ["gans"]'), "topics =", "unknown topic 'gans'"),
    (('summary = ', 'sumary = '), "sumary =", "unknown key 'sumary' in the lesson"),
    (('say = "Turn it on."', 'says = "Turn it on."'), ("[[steps]]", 2), "step 2 needs 'say'"),
    (('baseline = "plain"', 'baseline = "none"'), 'baseline = "none"', "the baseline 'none' is not one of"),
    (('mbd_kernels = 8 }', 'mbd_kernels = 0 }'), "mbd = {", "variant 'mbd': bad value 0 for 'mbd_kernels'"),
    (('metric = "modes_covered"', 'metric = "judge_score"'), 'metric = "judge_score"',
     "'judge_score' is measured on images only"),
])
def test_every_kind_of_problem_is_reported_at_its_line(change, needle, reason):
    old, new = change
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    found = problems_of(text)
    assert found, f"no problem found for {new!r}"
    lines = [line for line, why in found if reason in why]
    assert lines, found
    assert lines[0] == line_of(text, needle), (found, line_of(text, needle))


def test_invalid_toml_names_its_line_and_column():
    text = GOOD.replace("z_dim = 1\nspeed", "z_dim = = 1\nspeed", 1)
    [(line, reason)] = problems_of(text)
    assert line == line_of(text, "z_dim = = 1") and reason.startswith("not valid TOML") and "column" in reason


def test_a_cross_key_rule_of_the_config_is_reported_at_the_preset():
    text = GOOD.replace("z_dim = 1\nspeed", "z_dim = 1\nlabel_smoothing = 0.5\nfake_label = 0.5\nspeed", 1)
    found = problems_of(text)
    assert any("fake_label (0.5) must be below label_smoothing" in why and line == line_of(text, "fake_label = 0.5")
               for line, why in found), found


def test_the_lesson_check_command_exits_2_with_file_line_reason(tmp_path, capsys):
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(GOOD)
    bad.write_text(GOOD.replace('page = "gan-2d"\nsay = """', 'page = "nowhere"\nsay = """', 1))
    assert main(["lesson", "check", str(good)]) == 0
    assert "ok: 'Mode collapse', 2 steps, 2 questions, 2 checks" in capsys.readouterr().out
    assert main(["lesson", "check", str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:{line_of(bad.read_text(), 'nowhere')}: step 1: no page 'nowhere'" in err


def test_the_library_keeps_the_good_lessons_and_reports_the_bad_one(tmp_path):
    (tmp_path / "good.toml").write_text(GOOD)
    (tmp_path / "broken.toml").write_text("title = \n")
    lib = library.load(tmp_path)
    assert list(lib.lessons) == ["good"]
    [err] = lib.problems
    assert err.path.endswith("broken.toml") and err.problems[0].line == 1


# --------------------------------------------------------------------------- run checks
RECORDS = [{"step": 10, "loss_d": 1.0}, {"step": 500, "modes_covered": 3}, {"step": 1000, "modes_covered": 5},
           {"step": 1500, "modes_covered": 7}, {"step": 2000, "modes_covered": 8}]


def test_a_check_by_a_step_passes_at_the_first_evaluation_that_holds():
    c = checks.parse("modes_covered >= 7 by step 3000")
    r = checks.evaluate(c, RECORDS, {}, step=2000)
    assert r.passed and r.at_step == 1500 and "step 1,500" in r.text
    pending = checks.evaluate(c, RECORDS[:3], {}, step=1000)
    assert pending.state == "pending" and "modes_covered = 5 at step 1,000" in pending.text
    missed = checks.evaluate(checks.parse("modes_covered >= 7 by step 1200"), RECORDS, {}, step=1500)
    assert missed.state == "missed" and "passed step 1,200" in missed.text


def test_a_check_at_a_step_reads_the_first_evaluation_at_or_after_it():
    assert checks.evaluate(checks.parse("modes_covered <= 5 at step 800"), RECORDS, {}, 2000).passed
    r = checks.evaluate(checks.parse("modes_covered <= 4 at step 800"), RECORDS, {}, 2000)
    assert r.state == "missed" and r.value == 5 and r.at_step == 1000
    assert checks.evaluate(checks.parse("modes_covered <= 4 at step 2500"), RECORDS, {}, 2000).state == "pending"


def test_a_check_on_an_array_counts_its_dimensions_and_keeps_a_pass():
    c = checks.parse("kl_per_dim < 0.1 in at least 4 dimensions")
    preview = {"kl_per_dim": np.array([0.01, 0.02, 0.5, 0.03, 0.05, 1.0])}
    r = checks.evaluate(c, [], preview, step=300, preview_step=300)
    assert r.passed and "4 of 6 dimensions" in r.text
    worse = {"kl_per_dim": np.array([0.01, 0.5, 0.5, 0.5])}
    assert checks.evaluate(c, [], worse, step=400, preview_step=400).state == "pending"
    assert checks.evaluate(c, [], worse, step=400, preview_step=400, before=r).passed
    assert checks.evaluate(c, [{"step": 5, "kl_per_dim_0": 0.0, "kl_per_dim_1": 0.0, "kl_per_dim_2": 0.0,
                                 "kl_per_dim_3": 0.0}], {}, 5).passed  # a list recorded as metric_0, metric_1, ...


def test_value_at_reads_the_experiments_step():
    assert checks.value_at("modes_covered", RECORDS, 1200) == (7.0, 1500)
    assert checks.value_at("modes_covered", RECORDS, None) == (8.0, 2000)
    assert checks.value_at("modes_covered", RECORDS, 2500) is None


# --------------------------------------------------------------------------- Peer Instruction
@pytest.mark.parametrize("share, advice", [(0.0, peer.EXPLAIN), (0.34, peer.EXPLAIN), (0.35, peer.DISCUSS),
                                           (0.5, peer.DISCUSS), (0.70, peer.DISCUSS), (0.71, peer.MOVE_ON),
                                           (1.0, peer.MOVE_ON)])
def test_peer_instructions_thresholds(share, advice):
    assert peer.rule(share) == advice


def test_a_tally_counts_each_option_and_the_right_share():
    q = Question("single", "?", (Choice("a", False), Choice("b", True), Choice("c", False)))
    t = peer.tally(q, [[1], [1], [0], [2], [1], [1], [1]])
    assert t.counts == {"a": 1, "b": 5, "c": 1} and t.n_right == 5 and t.right_labels == ("b",)
    assert t.advice == peer.MOVE_ON and "5 of 7 right (71%)" in t.sentence()
    number = Question("number", "?", answer=8, tolerance=1)
    t = peer.tally(number, [8, 7, 3, 3, 9.5])
    assert t.n_right == 2 and t.counts == {"3": 2, "7": 1, "8": 1, "9.5": 1} and t.advice == peer.DISCUSS
    many = Question("multiple", "?", (Choice("a", True), Choice("b", True), Choice("c", False)))
    t = peer.tally(many, [[0, 1], [0], [1, 0]])
    assert t.n_right == 2 and t.counts["a + b"] == 2 and t.advice == peer.DISCUSS


# --------------------------------------------------------------------------- the room's ablation
def test_the_rooms_ablation_is_computed_as_compare_judges_seeds():
    preset = {"dataset": "ring8", "z_dim": 1}
    exp = Experiment("modes_covered", 2000, "plain", True,
                     {"plain": {}, "mbd": {"minibatch_discrimination": True, "mbd_kernels": 4}})
    plain = [3.0, 4.0, 2.0, 3.0, 5.0]
    mbd = [7.0, 8.0, 6.0, 8.0]
    other = [4.0, 6.0]
    entries = ([ablation.Entry(f"p{i}", {}, v) for i, v in enumerate(plain)]
               + [ablation.Entry(f"m{i}", {"minibatch_discrimination": True, "mbd_kernels": 4}, v)
                  for i, v in enumerate(mbd)]
               + [ablation.Entry("m-late", {"minibatch_discrimination": True, "mbd_kernels": 4}, None)]
               + [ablation.Entry(f"o{i}", {"loss": "hinge"}, v) for i, v in enumerate(other)])
    rows = {r.variant: r for r in ablation.ablation("gan", preset, exp, entries)}
    assert list(rows) == ["plain", "mbd", "loss=hinge"] and rows["plain"].baseline
    table = summarise([{"variant": "plain", "m": v} for v in plain] + [{"variant": "mbd", "m": v} for v in mbd]
                      + [{"variant": "loss=hinge", "m": v} for v in other], ("m",))["m"]["variants"]
    for name in rows:
        assert rows[name].n == table[name]["n"]
        assert rows[name].mean == pytest.approx(table[name]["mean"]) and rows[name].sd == pytest.approx(
            table[name]["sd"])
    assert rows["mbd"].training == 1 and rows["mbd"].n == 4
    expected = verdict({"mbd": mbd, "plain": plain}, "higher")
    assert rows["mbd"].verdict == expected["text"] and rows["mbd"].clear == expected["clear"] and rows["mbd"].better
    assert rows["mbd"].p_value == pytest.approx(expected["p_value"])
    assert rows["loss=hinge"].verdict == verdict({"loss=hinge": other, "plain": plain}, "higher")["text"]


def test_changed_settings_leave_out_the_seed_and_match_declared_variants():
    from engine.registry import make_config

    preset = {"dataset": "ring8", "z_dim": 1}
    config = make_config("gan", {**preset, "seed": 7, "minibatch_discrimination": True, "mbd_kernels": 4,
                                 "lr_d": 1e-3})  # lr_d as the 2D default: not a change
    changes = ablation.changed("gan", preset, config)
    assert changes == {"minibatch_discrimination": True, "mbd_kernels": 4}
    names = ablation.declared("gan", preset, Experiment("modes_covered", variants={
        "mbd": {"minibatch_discrimination": "true", "mbd_kernels": 4}}))
    assert ablation.variant_of(changes, names) == "mbd" and ablation.variant_of({}, names) == PRESET


# --------------------------------------------------------------------------- pictures
def test_thumbnails_come_from_the_preview_arrays():
    from PIL import Image
    import io

    points = {"fake": np.random.default_rng(0).normal(size=(300, 2)).astype(np.float32),
              "real": np.zeros((100, 2), np.float32)}
    png = pictures.thumbnail(points, ((-3, 3), (-3, 3)))
    assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size == (pictures.SIZE, pictures.SIZE)
    grid = {"samples": np.full((73, 73, 3), 200, np.uint8)}
    assert Image.open(io.BytesIO(pictures.thumbnail(grid))).size == (pictures.SIZE, pictures.SIZE)
    assert pictures.thumbnail({"step": 3}) is None


def test_the_qr_code_is_drawn_here_or_its_absence_is_said(monkeypatch):
    pytest.importorskip("segno")
    assert pictures.qr_png("http://127.0.0.1:8501/workshop?room=ABCD").startswith(b"\x89PNG")
    import sys

    monkeypatch.setitem(sys.modules, "segno", None)
    with pytest.raises(pictures.QrUnavailable, match="pip install segno"):
        pictures.qr_png("x")


# --------------------------------------------------------------------------- what checks read exists
@pytest.mark.parametrize("family", ["gan", "flow", "kde", "ebm", "diffusion"])
def test_what_a_check_may_read_is_in_a_2d_runs_records(family):
    from engine.lessons.checker import IMAGES_ONLY
    from engine.lessons.values import RECORD, readable
    from engine.registry import FAMILIES
    from engine.runs import Run
    from engine.registry import build_trainer

    run = Run(lambda: build_trainer(family, {"dataset": "ring8", "eval_every": 2, "log_every": 1}), max_steps=2)
    run.start()
    run.join(120)
    keys = {k for r in run.snapshot().members[0].records for k in r}
    wanted = {k for k, where in readable(family).items() if where == RECORD} - IMAGES_ONLY
    wanted -= set(FAMILIES[family].metrics) - keys if family == "diffusion" else set()  # sample_seconds: images too
    assert wanted <= keys, wanted - keys


def test_the_vae_reports_what_its_checks_read():
    from engine.lessons.values import PREVIEW, readable
    from engine.registry import build_trainer

    trainer = build_trainer("vae", {"dataset": "digits", "batch_size": 16})
    trainer.train_step() if hasattr(trainer, "train_step") else trainer.step()
    values = {**trainer.evaluate()}
    preview = trainer.preview()
    for name, where in readable("vae").items():
        if where == PREVIEW:
            assert name in preview and np.asarray(preview[name]).ndim == 1
        elif name not in ("step", "train_seconds", "parameters", "loss", "frechet_distance", "judge_score"):
            assert name in values or name in ("kl", "reconstruction"), name
