"""The room's scores, one row per model, from the stored answers (engine/game/store.py `frame`).

HYPE_inf and its interval use the untimed single images (HYPE's protocol); answers given in pairs are scored on their
own (`pair_error`: the share of pairs whose real image was not found), and the timed mode gives HYPE-time's
threshold: the mean over players (and rounds) of each staircase's modal exposure.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from engine.game.hype import bootstrap_interval, error_rates
from engine.game.rounds import FAKE
from engine.game.staircase import threshold_ms

COLUMNS = ["model", "model_label", "family", "tricks", "answers", "players", "error", "low", "high",
           "fakes_judged_real", "reals_judged_fake", "pairs", "pair_error", "timed_players", "threshold_ms"]


def tricks_text(tricks: dict) -> str:
    """'key=value, ...' of a model's tricks, or 'family defaults'."""
    return ", ".join(f"{k}={v}" for k, v in sorted(tricks.items())) or "family defaults"


def _row(answers: pd.DataFrame, n_resamples: int) -> dict:
    timed = answers["exposure_ms"].notna()
    single = answers[(answers["shown"] == "single") & ~timed]
    pairs = answers[answers["shown"] == "pair"]
    rates = error_rates(single["truth"] == FAKE, single["answer"] == FAKE)
    low, high = bootstrap_interval(single["truth"] != single["answer"], single["player"], n_resamples=n_resamples)
    per_staircase = [threshold_ms(group["exposure_ms"]) for _, group in answers[timed].groupby(["player", "round"])]
    last = answers.iloc[-1]
    return {"model": last["model"], "model_label": last["model_label"], "family": last["family"],
            "tricks": tricks_text(json.loads(last["tricks"] or "{}")), "answers": rates.n,
            "players": single["player"].nunique(),
            "error": rates.error, "low": low, "high": high, "fakes_judged_real": rates.fake_error,
            "reals_judged_fake": rates.real_error, "pairs": len(pairs) // 2,
            "pair_error": float((pairs["truth"] != pairs["answer"]).mean()) if len(pairs) else np.nan,
            "timed_players": len(per_staircase),
            "threshold_ms": float(np.mean(per_staircase)) if per_staircase else np.nan}


def leaderboard(frame: pd.DataFrame, n_resamples: int = 2000) -> pd.DataFrame:
    """One row per model, the most fooling first (HYPE_inf error, higher = more realistic; 50% = chance)."""
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = [_row(answers, n_resamples) for _, answers in frame.groupby("model", sort=False)]
    board = pd.DataFrame(rows, columns=COLUMNS)
    return board.sort_values(["error", "answers"], ascending=False, na_position="last").reset_index(drop=True)
