"""The page's drawing vs training in one process (the GIL): steps/s of a `Run` while another thread builds the 2D
page's figures twice a second, as the live fragment does, divided by the same run with nobody drawing.

A thread that runs Python (building plotly figures) makes a training thread that releases the GIL for every small
torch op wait up to the interpreter's switch interval (5 ms by default) to get it back, once per op. The app lowers
the interval (app/main.py, GENLAB_SWITCH_INTERVAL); this bench measures each setting in one run.

    python bench/render_contention.py [--seconds 8] [--intervals 0.005 0.001 0.0002]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from app.ui import charts, plots2d  # noqa: E402
from engine.runs import Run, torch_threads  # noqa: E402
from engine.registry import build_trainer  # noqa: E402
from run_overhead import training_rate  # noqa: E402  (bench/ is on the path when a script here runs)

CONFIG = {"dataset": "ring8"}  # the page's defaults


def rate(seconds: float, draw: bool, render_costs: list[float]) -> float:
    run = Run(lambda: build_trainer("gan", CONFIG))
    bounds = run.trainers[0].data.bounds
    stop = threading.Event()

    def fragment():  # what the page's live fragment does twice a second
        while not stop.wait(0.5):
            t0 = time.perf_counter()
            snap = run.snapshot()
            plots2d.gan2d_figure(snap.preview, bounds, plots2d.DEFAULT_LAYERS).to_json()
            history = snap.history()
            charts.curves(history, ["loss_d", "loss_g"], title="Losses").to_json()
            charts.curves(history, ["d_real", "d_fake"], title="D").to_json()
            render_costs.append(time.perf_counter() - t0)

    if draw:
        threading.Thread(target=fragment, daemon=True).start()
    steps_per_second = training_rate(run, seconds)
    stop.set()
    run.stop()
    return steps_per_second


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--intervals", type=float, nargs="+", default=[0.005, 0.001, 0.0002])
    a = p.parse_args()
    torch.set_num_threads(torch_threads())
    quiet = rate(a.seconds, False, [])
    print(f"nobody drawing: {quiet:.0f} steps/s")
    for interval in a.intervals:
        sys.setswitchinterval(interval)
        costs: list[float] = []
        r = rate(a.seconds, True, costs)
        quiet = rate(a.seconds, False, [])  # again at this interval, for a ratio measured side by side
        print(f"switch interval {interval * 1e3:.1f} ms: drawing at 2 Hz {r:.0f} steps/s vs {quiet:.0f} quiet, "
              f"ratio {r / quiet:.2f}; one redraw {1e3 * sorted(costs)[len(costs) // 2]:.0f} ms (median)")


if __name__ == "__main__":
    main()
