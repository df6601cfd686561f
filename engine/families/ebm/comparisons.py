"""The EBM family's Compare presets: the replay buffer against short-run chains, and the energy penalty."""

from __future__ import annotations

from engine.family import Comparison

POINTS_METRICS = ("modes_covered", "high_quality_fraction", "grid_js", "mode_kl")
IMAGE_METRICS = ("judge_score", "frechet_distance")

COMPARISONS: dict[str, Comparison] = {
    "ebm_buffer": Comparison(
        "Replay buffer or short-run chains (EBM on ring8)", "ebm",
        "Chains restarted from a replay buffer 95% of the time (Du & Mordatch 2019) run long over many steps, so "
        "training sees samples of the model; short-run chains from noise every step (Nijkamp et al. 2019) are what "
        "sampling does too. Judged on chains started from noise, as `sample` draws them.",
        {"dataset": "ring8"},
        {"short-run (no buffer)": {"buffer_size": 0}, "replay buffer 1,000": {"buffer_size": 1000},
         "replay buffer 10,000": {"buffer_size": 10_000}},
        POINTS_METRICS, 1000),
    "ebm_energy_l2": Comparison(
        "The L2 penalty on energies (EBM on ring8)", "ebm",
        "alpha (E(data)^2 + E(chains)^2) holds the energies near +-1/(2 alpha). Without it the energies are free "
        "to run away, the divergence the run reports; too large a penalty flattens the landscape.",
        {"dataset": "ring8"},
        {"α = 0": {"energy_l2": 0.0}, "α = 0.1": {"energy_l2": 0.1}, "α = 1": {"energy_l2": 1.0}},
        POINTS_METRICS, 1000),
}
