"""A simulated classroom on one server: N students (real Chromium sessions) open a page and press Play.

Prints, measured in one run:
- how long Play took to show "running" or "queued" (p50 / p95), and how long the queue made people wait;
- how often each page's view really refreshed (step text changes per second, p5 / p50 of the pages);
- the click-to-change latency of Pause and Play on every page (p50 / p95);
- steps/s per training run and in all;
- server memory per session;
- after everyone leaves: seconds until the server's CPU is idle, and its memory against the empty server.

    python bench/classroom.py --students 20 --seconds 30 [--page gan-2d] [--cap 2]

The server is started here with the settings given (GENLAB_MAX_RUNS=--cap); nothing else should run meanwhile.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import CHROMIUM_ARGS, Server  # noqa: E402
from tests.e2e.test_room_e2e import busy_share, rss_mb  # noqa: E402

STEP = re.compile(r"(idle|queued|running|paused|finished|stopped|closed) · step ([\d,]+) ·")


def status_of(page) -> tuple[str, int]:
    match = STEP.search(page.inner_text("body"))
    return (match.group(1), int(match.group(2).replace(",", ""))) if match else ("?", -1)


def wait_status(page, wanted: tuple[str, ...], timeout: float = 60.0) -> float:
    """Seconds until the page shows one of `wanted`."""
    start = time.monotonic()
    while status_of(page)[0] not in wanted:
        if time.monotonic() - start > timeout:
            return float("nan")
        page.wait_for_timeout(20)
    return time.monotonic() - start


def say(text: str) -> None:
    """Progress on stderr, as the phases end (a room of 20 on two cores takes minutes)."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def quantiles(values: list[float]) -> str:
    values = sorted(v for v in values if v == v)
    if not values:
        return "none"
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return f"p50 {pick(0.5):.2f} s, p95 {pick(0.95):.2f} s (n={len(values)})"


def main() -> None:
    from playwright.sync_api import sync_playwright

    p = argparse.ArgumentParser()
    p.add_argument("--students", type=int, default=20)
    p.add_argument("--seconds", type=float, default=30.0, help="how long everyone watches")
    p.add_argument("--page", default="gan-2d?g_width=64&d_width=64")
    p.add_argument("--cap", type=int, default=2, help="runs that train at once")
    p.add_argument("--backend", choices=["threads", "ray"], default="threads", help="GENLAB_BACKEND of the server")
    a = p.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="classroom-"))
    server = Server(folder, GENLAB_MAX_RUNS=str(a.cap), GENLAB_SESSION_GRACE="5", GENLAB_RUNS_PER_SESSION="1",
                    GENLAB_BACKEND=a.backend, GENLAB_RAY_SPARE_WORKERS=str(a.cap))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            warm = browser.new_page()  # the first page loads torch and the families: the empty server, warm
            warm.goto(f"{server.url}/{a.page}")
            warm.get_by_text(STEP).first.wait_for(timeout=120_000)
            warm.context.close()
            time.sleep(2)
            empty = rss_mb(server.proc.pid)
            say(f"server warm: {empty:.0f} MB")
            pages = []
            for _ in range(a.students):
                page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
                page.set_default_timeout(120_000)
                page.goto(f"{server.url}/{a.page}")
                page.get_by_text(STEP).first.wait_for()
                pages.append(page)
            opened = rss_mb(server.proc.pid)
            say(f"{len(pages)} pages open: {opened:.0f} MB")
            play = []
            for page in pages:
                start = time.monotonic()
                page.get_by_role("button", name=re.compile("Play")).click()
                wait_status(page, ("running", "queued"))
                play.append(time.monotonic() - start)
            say(f"Play pressed on every page: {quantiles(play)}")
            seen = {id(page): [] for page in pages}  # (time, step) as each page shows it
            end = time.monotonic() + a.seconds
            while time.monotonic() < end:
                for page in pages:
                    seen[id(page)].append((time.monotonic(), *status_of(page)))
            refresh_rates, speeds, queued_for = [], [], []
            for page in pages:
                rows = seen[id(page)]
                changes = sum(1 for x, y in zip(rows, rows[1:]) if y[2] != x[2])
                refresh_rates.append(changes / a.seconds)
                steps = [r[2] for r in rows if r[1] == "running"]
                if len(steps) > 1:
                    speeds.append((steps[-1] - steps[0]) / a.seconds)
                waiting = [r[0] for r in rows if r[1] == "queued"]
                if waiting:
                    queued_for.append(waiting[-1] - rows[0][0])
            clicks, stalls = [], 0
            for page in pages:
                for button, after in (("Pause", ("paused",)), ("Play", ("running", "queued"))):
                    start = time.monotonic()
                    try:  # a button that does not come back within 30 s is a stalled page: counted, not fatal
                        page.get_by_role("button", name=re.compile(button)).click(timeout=30_000)
                    except Exception:  # noqa: BLE001 - playwright's timeout
                        stalls += 1
                        say(f"a page's {button} button did not come back within 30 s: {status_of(page)}")
                        shot = Path(__file__).resolve().parents[1] / "test-artifacts" / f"classroom_stall_{stalls}.png"
                        shot.parent.mkdir(exist_ok=True)
                        page.screenshot(path=str(shot), full_page=True)
                        continue
                    waited = wait_status(page, after)  # nan: the status never changed
                    clicks.append(time.monotonic() - start if waited == waited else float("nan"))
            say(f"Pause / Play clicked on every page: {quantiles(clicks)}")
            busy_before_leaving = busy_share(server.proc.pid)
            for page in pages:
                page.context.close()
            left = time.monotonic()
            while busy_share(server.proc.pid, 0.5) > 0.05 and time.monotonic() - left < 300:
                pass
            idle_after = time.monotonic() - left
            time.sleep(6)  # the grace: the runs are closed and their models dropped
            after = rss_mb(server.proc.pid)
            browser.close()
    finally:
        server.stop()
    print(f"{a.students} students on /{a.page}, {a.cap} runs at a time, {a.seconds:.0f} s of watching, "
          f"backend {a.backend}")
    print(f"Play to running/queued: {quantiles(play)}")
    print(f"click to change (Pause, Play): {quantiles(clicks)}; stalled buttons: {stalls}")
    rates = sorted(refresh_rates)
    print(f"view refreshes per second per page: lowest {rates[0]:.2f}, median {statistics.median(rates):.2f} "
          f"(a page showing a queued or paused run changes only when its status does)")
    print(f"steps/s of a training run: {', '.join(f'{s:.0f}' for s in speeds)}; in all {sum(speeds):.0f}")
    print(f"time in the queue: {quantiles(queued_for)}")
    print(f"server memory: {empty:.0f} MB empty (warm), {opened:.0f} MB with {a.students} sessions "
          f"({(opened - empty) / a.students:.1f} MB each), {after:.0f} MB after all left "
          f"({(after - empty) / empty:+.1%} of empty)")
    print(f"server CPU while everyone watched: {busy_before_leaving:.0%}; idle {idle_after:.1f} s after all left")


if __name__ == "__main__":
    main()
