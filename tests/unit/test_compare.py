"""Comparisons: verdicts on synthetic numbers, fairness of a group, every preset builds and trains a few steps."""

import pytest
import torch

from engine.compare import build_group, get_comparison, run_comparison, summarise, verdict
from engine.compare import COMPARISONS
from engine.config import ConfigError


def test_verdict_names_the_leader_and_judges_the_gap_against_the_spread():
    clear = verdict({"a": [5.0, 5.2, 5.1], "b": [3.0, 3.1, 2.9]}, "higher")
    assert clear["leader"] == "a" and clear["runner_up"] == "b" and clear["clear"]
    assert clear["gap"] == pytest.approx(2.1) and clear["spread"] == pytest.approx(0.1)
    assert "more than the spread across 3 seeds" in clear["text"]
    close = verdict({"a": [5.0, 6.0, 4.0], "b": [4.8, 4.9, 4.7]}, "higher")
    assert close["leader"] == "a" and not close["clear"] and "not a clear difference" in close["text"]
    lower = verdict({"a": [1.0, 1.1], "b": [0.5, 0.52], "c": [2.0, 2.0]}, "lower")
    assert (lower["leader"], lower["runner_up"]) == ("b", "a") and lower["clear"]
    one = verdict({"a": [1.0], "b": [2.0]}, "higher")
    assert one["leader"] == "b" and not one["clear"] and "one seed" in one["text"]
    broken = verdict({"a": [float("nan"), 1.0], "b": [2.0, 2.0]}, "higher")
    assert broken["leader"] == "b" and broken["runner_up"] is None and not broken["clear"]
    with pytest.raises(ValueError):
        verdict({"a": [1.0]}, "bigger")


def test_summarise_gives_mean_sd_and_a_verdict_per_metric():
    rows = [{"variant": v, "seed": s, "judge_score": j, "frechet_distance": f}
            for v, s, j, f in [("x", 0, 3.0, 2.0), ("x", 1, 5.0, 1.0), ("y", 0, 1.0, 4.0), ("y", 1, 1.0, 6.0)]]
    table = summarise(rows, ("judge_score", "frechet_distance", "absent"))
    assert set(table) == {"judge_score", "frechet_distance"}
    assert table["judge_score"]["variants"]["x"] == {"mean": 4.0, "sd": pytest.approx(2 ** 0.5), "n": 2}
    assert table["frechet_distance"]["better"] == "lower" and table["frechet_distance"]["verdict"]["leader"] == "x"


def test_variants_of_a_trick_see_the_same_batches_and_noise():
    comparison = COMPARISONS["label_smoothing"]
    group = build_group(comparison, seed=3)
    trainers = group.trainers
    states = [t.streams["data"].get_state() for t in trainers]
    assert all(torch.equal(states[0], s) for s in states[1:])
    noise = [t.streams["noise"].get_state() for t in trainers]
    assert all(torch.equal(noise[0], s) for s in noise[1:])
    for t in trainers:
        t.step()
    states = [t.streams["data"].get_state() for t in trainers]
    assert all(torch.equal(states[0], s) for s in states[1:]), "the same batches were drawn"
    assert all(torch.equal(trainers[0].last_real, t.last_real) for t in trainers[1:]), "the same real batch"
    # the same initial weights: the configurations differ only in the targets of the loss
    first = [dict(t.G.named_parameters()) for t in build_group(comparison, seed=3).trainers]
    assert all(torch.equal(first[0][k], f[k]) for f in first[1:] for k in first[0])
    assert group.trainers[1].config.label_smoothing == 0.9 and group.trainers[2].config.fake_label == 0.1


FAST = {"paper_ablation": {"g_width": 4, "d_width": 4}, "vae_beta": {"width": 4}, "pixelcnn_gated": {"width": 6}}


@pytest.mark.parametrize("name", list(COMPARISONS))
def test_every_preset_builds_and_trains_a_few_steps(name):
    base = COMPARISONS[name]
    small = type(base)(base.title, base.family, base.explanation, {**base.base, **FAST.get(name, {})},
                       base.variants, base.metrics, base.steps)
    assert 2 <= len(small.variants) <= 5 and small.explanation
    rows, table = run_comparison(small, steps=3, seeds=1)
    assert [r["variant"] for r in rows] == list(small.variants)
    assert all(r["steps"] == 3 for r in rows)
    assert set(table) <= set(small.metrics) and table, "at least one metric is compared"


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ConfigError) as err:
        get_comparison("nope")
    assert "paper_ablation" in str(err.value) and err.value.key == "preset"
    assert get_comparison("mode_collapse").family == "gan"
