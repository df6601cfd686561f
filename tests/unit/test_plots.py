"""The live pages' figures, built from plain dicts for speed, hold what the slower trace-by-trace build held."""

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from app.ui import charts, plots2d


def _polyline(pieces) -> tuple[list, list]:
    """The reference: every piece's points, then a break (None), one after another."""
    xs, ys = [], []
    for piece in pieces:
        xs += [float(x) for x, _ in piece] + [None]
        ys += [float(y) for _, y in piece] + [None]
    return xs, ys


def _as_list(values) -> list:
    return [None if v != v else float(v) for v in values]


def test_the_manifold_is_the_grid_rows_then_its_columns_each_broken_from_the_next():
    manifold = np.random.default_rng(0).normal(size=(4, 4, 2))
    xs, ys = plots2d._grid_lines(manifold)
    want_x, want_y = _polyline(list(manifold) + list(manifold.transpose(1, 0, 2)))
    assert _as_list(xs) == want_x and _as_list(ys) == want_y


def test_segments_join_each_start_to_its_end_and_nothing_else():
    rng = np.random.default_rng(1)
    starts, ends = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    xs, ys = plots2d.segments(starts, ends)
    want_x, want_y = _polyline([(s, e) for s, e in zip(starts, ends)])
    assert _as_list(xs) == want_x and _as_list(ys) == want_y


def a_preview(seed: int) -> dict:
    """What a 2D GAN trainer's preview holds: a 5x5 field, a 3x3 manifold, 7 real and 9 fake points, 4 arrows."""
    rng = np.random.default_rng(seed)
    return {"grid_x": np.linspace(-2, 2, 5), "grid_y": np.linspace(-2, 2, 5), "d_field": rng.random((5, 5)),
            "d_field_kind": "probability", "manifold": rng.normal(size=(3, 3, 2)), "real": rng.normal(size=(7, 2)),
            "fake": rng.normal(size=(9, 2)), "arrows_from": rng.normal(size=(4, 2)),
            "arrows_dir": rng.normal(size=(4, 2))}


def test_the_2d_gan_figure_draws_the_chosen_layers_only_in_the_fixed_square():
    preview = a_preview(2)
    fig = plots2d.gan2d_figure(preview, ((-2, 2), (-3, 3)), ["field", "fake", "arrows"])
    assert [t.name for t in fig.data] == ["Discriminator", "Fake", "Generator gradient"]
    assert (fig.data[0].zmin, fig.data[0].zmax, fig.data[0].zmid) == (0, 1, 0.5)
    assert len(fig.data[1].x) == 9
    assert list(fig.layout.xaxis.range) == [-2, 2] and list(fig.layout.yaxis.range) == [-3, 3]
    assert fig.layout.yaxis.scaleanchor == "x"
    scores = plots2d.gan2d_figure(dict(preview, d_field_kind="score"), ((-2, 2), (-2, 2)), ["field"])
    assert scores.data[0].zmin is None and scores.data[0].zmid == 0.0


def test_curves_draw_one_line_per_present_column_without_its_gaps():
    history = pd.DataFrame({"step": [0, 10, 20, 30], "loss": [1.0, np.nan, 0.5, 0.25], "other": [1, 2, 3, 4]})
    fig = charts.curves(history, ["loss", "absent"], title="Losses", log_y=True)
    assert [t.name for t in fig.data] == ["loss"]
    assert list(fig.data[0].x) == [0, 20, 30] and list(fig.data[0].y) == [1.0, 0.5, 0.25]
    assert fig.layout.title.text == "Losses" and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "step"
    empty = charts.curves(history.iloc[:0], ["loss"])
    assert len(empty.data) == 0 and empty.layout.title.text is None and empty.layout.yaxis.type is None


def test_the_figures_built_unchecked_pass_plotlys_own_checks_unchanged():
    preview = a_preview(3)
    history = pd.DataFrame({"step": [0, 10, 20], "loss": [1.0, 0.5, 0.25]})
    for fig in (plots2d.gan2d_figure(preview, ((-2, 2), (-2, 2)), ["field", "manifold", "real", "fake", "arrows"]),
                charts.curves(history, ["loss"], title="Losses", log_y=True)):
        checked = go.Figure(fig.to_dict())  # raises on any property plotly does not know
        assert json.loads(checked.to_json()) == json.loads(fig.to_json())
    with pytest.raises(ValueError, match="wdith"):  # the check this test leans on does catch a typo
        go.Figure(charts.figure([dict(type="scatter", x=[0], y=[0], line=dict(wdith=2))], {}).to_dict())
