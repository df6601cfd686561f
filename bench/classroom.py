"""A simulated classroom on one server: N students open a page and press Play.

The students are either Streamlit protocol clients (`--client protocol`, the default: tests/e2e/streamlit_protocol.py,
a few percent of a core for twenty) or real headless Chromium pages (`--client browser`: on two cores the
browsers take most of the machine, so their figures are the browsers' as much as the server's).

Prints, measured in one run:
- Play to "running" or "queued" on every page, one student after another (p50 / p95);
- Pause and Play again on every page, one after another, while the others watch: click to change (p50 / p95);
- everyone pressing Play at the same moment (the instructor's "go"): click to change (p50 / p95);
- how often each page's live view was redrawn: redraws per second per page, and the gaps between redraws while a
  page showed a training run and while it showed a queued one;
- steps/s per training run and in all; how long queued runs waited for their first slot (runs take turns of
  `--turn` seconds while others wait: GENLAB_TURN_SECONDS);
- server memory per session; after everyone leaves, seconds until the server (and, on Ray, its workers) is idle and
  its memory against the empty server, waited for up to 3 minutes.

    python bench/classroom.py --students 20 --seconds 30 [--backend ray] [--client browser] [--cap 2]

The server is started here (GENLAB_MAX_RUNS=--cap, one run per session); nothing else should run meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.backends.load import cpu_seconds, rss_mb, summed, tree  # noqa: E402  (the server's tree, from /proc)
from tests.e2e.conftest import CHROMIUM_ARGS, Server  # noqa: E402
from tests.e2e.streamlit_protocol import STATUS, ProtocolSession  # noqa: E402

ACTIVE = ("running", "queued")


def say(text: str) -> None:
    """Progress on stderr, as the phases end (a room of 20 on two cores takes minutes)."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def quantiles(values: list[float], missing: str = "never answered") -> str:
    lost = sum(1 for v in values if v != v)
    values = sorted(v for v in values if v == v)
    if not values:
        return f"none (n={lost} {missing})"
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    never = f", {lost} {missing}" if lost else ""
    return f"p50 {pick(0.5):.2f} s, p95 {pick(0.95):.2f} s, max {values[-1]:.2f} s (n={len(values)}{never})"


# -- the server and its workers, from /proc -----------------------------------------------------------------------
def by_kind(pid: int) -> dict[str, tuple[int, float]]:
    """The tree's processes by name (the Streamlit process, raylet, ray::TrainerWorker, ...): (count, MB in all)."""
    kinds: dict[str, tuple[int, float]] = {}
    for member in tree(pid):
        try:
            name = "the Streamlit process" if member == pid else Path(f"/proc/{member}/comm").read_text().strip()
            count, mb = kinds.get(name, (0, 0.0))
            kinds[name] = (count + 1, mb + rss_mb(member))
        except (OSError, StopIteration):
            pass
    return kinds


async def busy(pid: int, seconds: float = 1.0) -> float:
    """Cores the server's process tree used over the next `seconds`."""
    start = summed(cpu_seconds, tree(pid))
    await asyncio.sleep(seconds)
    return (summed(cpu_seconds, tree(pid)) - start) / seconds


# -- a student in a real browser: the protocol session's interface over a Playwright page --------------------------
class BrowserStudent:
    def __init__(self, browser, url: str):
        self.browser, self.url = browser, url
        self.status_changes: list[tuple[float, str, int]] = []
        self.redraws: list[float] = []

    async def open(self) -> None:
        self.page = await (await self.browser.new_context(viewport={"width": 1200, "height": 900})).new_page()
        self.page.set_default_timeout(120_000)
        await self.page.goto(self.url)
        await self.page.get_by_text(STATUS).first.wait_for()
        self._shown = await self._read()
        self._poller = asyncio.create_task(self._poll())

    async def _read(self) -> tuple[str, int]:
        try:
            match = STATUS.search(await self.page.inner_text("body"))
        except Exception:  # noqa: BLE001 - a page mid-navigation or closed
            return "?", -1
        return (match.group(1), int(match.group(2).replace(",", ""))) if match else ("?", -1)

    async def _poll(self) -> None:
        while True:  # the browser shows what it was sent: a change of the status line is a redraw seen
            shown = await self._read()
            if shown != self._shown:
                self.redraws.append(time.monotonic())
                self.status_changes.append((time.monotonic(), *shown))
                self._shown = shown
            await asyncio.sleep(0.1)

    def status(self) -> tuple[str, int]:
        return self._shown

    async def wait_for(self, predicate, timeout: float = 60.0) -> float:
        start = time.monotonic()
        while not predicate(self):
            if time.monotonic() - start > timeout:
                return float("nan")
            await asyncio.sleep(0.02)
        return time.monotonic() - start

    async def click(self, pattern: str) -> None:
        await self.page.get_by_role("button", name=re.compile(pattern)).click(timeout=30_000)

    async def close(self) -> None:
        self._poller.cancel()
        await self.page.context.close()


# -- the classroom ---------------------------------------------------------------------------------------------
async def press(student, button: str, after: tuple[str, ...], timeout: float = 60.0) -> float:
    """Seconds from pressing `button` until the page shows one of `after` (nan: never, or no such button)."""
    start = time.monotonic()
    try:
        await student.click(button)
    except Exception as error:  # noqa: BLE001 - a button that is not there (yet) is a page that did not answer
        say(f"{button} could not be pressed on {student.url} ({student.status()}): {error!r:.200}")
        return float("nan")
    waited = await student.wait_for(lambda s: s.status()[0] in after, timeout)
    return time.monotonic() - start if waited == waited else float("nan")


def redraw_gaps(student, start: float, end: float) -> dict[str, list[float]]:
    """The gaps between the page's redraws in [start, end], by the status it showed when each gap began."""
    times = [t for t in student.redraws if start <= t <= end]
    shown = sorted(student.status_changes)
    gaps: dict[str, list[float]] = {}
    for a, b in zip([start, *times], [*times, end]):
        status = next((c[1] for c in reversed(shown) if c[0] <= a), "?")
        gaps.setdefault(status, []).append(b - a)
    return gaps


async def classroom(a, server: Server, make_student) -> dict:
    url = f"{server.url}/{a.page}"
    pid = server.proc.pid
    out: dict = {}
    warm = make_student(url)  # the first page loads torch and the families: the empty server, warm
    await warm.open()
    await warm.close()
    await asyncio.sleep(3)
    settled = time.monotonic()  # on Ray the spare workers are still importing torch: "empty" is the idle server
    while await busy(pid, 1.0) > 0.05 and time.monotonic() - settled < 120:
        pass
    out["empty"], out["empty_alone"] = summed(rss_mb, tree(pid)), rss_mb(pid)
    out["empty_kinds"] = by_kind(pid)
    say(f"server warm and idle after {time.monotonic() - settled:.0f} s more: {out['empty']:.0f} MB")
    students = []
    for _ in range(a.students):
        student = make_student(url)
        await student.open()
        students.append(student)
    out["opened"] = summed(rss_mb, tree(pid))
    say(f"{len(students)} pages open: {out['opened']:.0f} MB")

    out["play"], played_at = [], {}
    for s in students:
        played_at[id(s)] = time.monotonic()
        out["play"].append(await press(s, "Play", ACTIVE))
    say(f"Play pressed on every page: {quantiles(out['play'])}")
    first_queued = {id(s): s.status()[0] == "queued" for s in students}
    start = time.monotonic()
    out["busy_watching"] = await busy(pid, a.seconds)
    end = time.monotonic()
    out["gaps"], out["rates"], out["speeds"] = {"running": [], "queued": []}, [], []
    for s in students:
        for status, gaps in redraw_gaps(s, start, end).items():
            out["gaps"].setdefault(status, []).extend(gaps)
        out["rates"].append(sum(1 for t in s.redraws if start <= t <= end) / (end - start))
        steps = [c for c in s.status_changes if start <= c[0] <= end and c[1] == "running"]
        if len(steps) > 1:
            out["speeds"].append((steps[-1][2] - steps[0][2]) / (end - start))  # its share of the window
    say(f"watched for {a.seconds:.0f} s")

    out["clicks"] = []
    for s in students:
        out["clicks"].append(await press(s, "Pause", ("paused",)))
        out["clicks"].append(await press(s, "Play", ACTIVE))
    say(f"Pause / Play clicked on every page: {quantiles(out['clicks'])}")
    out["waits"] = []  # how long the pages queued at the first Play waited for a slot, as far as we watched
    for s in students:
        if first_queued[id(s)]:
            began = next((c[0] for c in s.status_changes if c[1] == "running" and c[0] > played_at[id(s)]), None)
            out["waits"].append(began - played_at[id(s)] if began else float("nan"))

    await asyncio.gather(*(press(s, "Pause", ("paused",)) for s in students))
    out["together"] = await asyncio.gather(*(press(s, "Play", ACTIVE) for s in students))
    say(f"Play pressed on every page at once: {quantiles(out['together'])}")

    out["busy_before_leaving"] = await busy(pid, 2.0)
    for s in students:
        await s.close()
    left = time.monotonic()
    while await busy(pid, 0.5) > 0.05 and time.monotonic() - left < 180:
        pass
    out["idle_after"] = time.monotonic() - left
    await asyncio.sleep(max(0.0, a.grace + 6 - (time.monotonic() - left)))  # the grace: then the runs close
    while True:
        out["after"], out["after_alone"] = summed(rss_mb, tree(pid)), rss_mb(pid)
        if out["after"] <= 1.1 * out["empty"] or time.monotonic() - left > 180:
            break
        await asyncio.sleep(2)
    out["memory_back_after"] = time.monotonic() - left
    out["after_kinds"] = by_kind(pid)
    return out


async def main_async(a) -> None:
    folder = Path(tempfile.mkdtemp(prefix="classroom-"))
    server = Server(folder, GENLAB_MAX_RUNS=str(a.cap), GENLAB_SESSION_GRACE=str(a.grace),
                    GENLAB_RUNS_PER_SESSION="1", GENLAB_BACKEND=a.backend, GENLAB_RAY_SPARE_WORKERS=str(a.cap),
                    GENLAB_TURN_SECONDS=str(a.turn))
    try:
        if a.client == "protocol":
            out = await classroom(a, server, ProtocolSession)
        else:
            from playwright.async_api import async_playwright

            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                   args=CHROMIUM_ARGS)
                out = await classroom(a, server, lambda url: BrowserStudent(browser, url))
                await browser.close()
    finally:
        server.stop()
    report(a, out)


def report(a, out: dict) -> None:
    print(f"{a.students} students ({a.client} clients) on /{a.page}, {a.cap} runs at a time in turns of "
          f"{a.turn:.0f} s, backend {a.backend}, {a.seconds:.0f} s of watching")
    print(f"Play to running/queued, one after another: {quantiles(out['play'])}")
    print(f"Pause, then Play, one page after another: {quantiles(out['clicks'])}")
    print(f"Play on every page at once: {quantiles(out['together'])}")
    rates = out["rates"]
    print(f"live view redraws per second per page: lowest {min(rates):.2f}, median {statistics.median(rates):.2f}")
    for state in ACTIVE:
        gaps = sorted(out["gaps"].get(state, []))
        if gaps:
            print(f"gaps between redraws while {state}: p95 {gaps[int(0.95 * len(gaps))]:.2f} s, longest "
                  f"{gaps[-1]:.2f} s (n={len(gaps)})")
    speeds = out["speeds"]
    print(f"steps/s of each run that trained, over the whole watch (turns included): "
          f"{', '.join(f'{s:.0f}' for s in speeds) or 'none'}; in all {sum(speeds):.0f}")
    print(f"waited in the queue for a first slot: {quantiles(out['waits'], 'still waiting at the end')}")
    print(f"server memory (its process tree): {out['empty']:.0f} MB empty (warm), {out['opened']:.0f} MB with "
          f"{a.students} sessions ({(out['opened'] - out['empty']) / a.students:.1f} MB each), {out['after']:.0f} MB "
          f"{out['memory_back_after']:.0f} s after all left ({(out['after'] - out['empty']) / out['empty']:+.1%} "
          f"of empty)")
    if out["empty_alone"] != out["empty"]:  # on Ray: the Streamlit process apart from its Ray cluster
        print(f"the Streamlit process alone: {out['empty_alone']:.0f} MB empty, {out['after_alone']:.0f} MB after all "
              f"left ({(out['after_alone'] - out['empty_alone']) / out['empty_alone']:+.1%})")
    if len(out["empty_kinds"]) > 1:
        names = sorted(set(out["empty_kinds"]) | set(out["after_kinds"]), key=lambda n: -out["empty_kinds"].get(
            n, (0, 0.0))[1])
        print("  by process, empty -> after all left: " + "; ".join(
            f"{name} {kind(out['empty_kinds'], name)} -> {kind(out['after_kinds'], name)}" for name in names))
    print(f"server CPU (cores, its process tree): {out['busy_watching']:.2f} while everyone watched, "
          f"{out['busy_before_leaving']:.2f} just before leaving; idle (<0.05) {out['idle_after']:.1f} s after "
          f"all left")


def kind(kinds: dict[str, tuple[int, float]], name: str) -> str:
    count, mb = kinds.get(name, (0, 0.0))
    return f"{count} x {mb / max(count, 1):.0f} MB" if count > 1 else f"{mb:.0f} MB"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--students", type=int, default=20)
    p.add_argument("--seconds", type=float, default=30.0, help="how long everyone watches")
    p.add_argument("--page", default="gan-2d?g_width=64&d_width=64")
    p.add_argument("--cap", type=int, default=2, help="runs that train at once")
    p.add_argument("--grace", type=float, default=5.0, help="GENLAB_SESSION_GRACE: seconds before a left run closes")
    p.add_argument("--turn", type=float, default=5.0, help="GENLAB_TURN_SECONDS: a run's turn while others wait")
    p.add_argument("--backend", choices=["threads", "ray"], default="threads", help="GENLAB_BACKEND of the server")
    p.add_argument("--client", choices=["protocol", "browser"], default="protocol")
    a = p.parse_args()
    asyncio.run(main_async(a))


if __name__ == "__main__":
    main()
