"""Issue 17's closing note, measured in one run:

1. scripted players on rounds of a shipped model: one answering at random (about 50% error, with its 95% bootstrap
   interval) and one always answering "real" (its error is the round's share of fakes, for several shares), played
   through the engine's rounds and, for one round each, through the page itself (AppTest clicking the buttons);
2. the answer store's write throughput (answers/s) with 1 writer and with --writers concurrent writers (threads,
   one answer per transaction, as the page writes), and how many writes found the database locked and retried;
3. the page's latency from an answer to the next image: through AppTest (the script's rerun, server side) and, where
   Chromium is installed, in the browser (from the key press to the next image decoded on screen; target < 150 ms).

    python bench/real_or_fake.py [--model gan-digits] [--rounds 200] [--writers 20] [--answers 50]
        [--latency-answers 40] [--no-browser]

The short check: --rounds 5 --writers 4 --answers 5 --latency-answers 4.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.game import opponents  # noqa: E402
from engine.game.hype import bootstrap_interval  # noqa: E402
from engine.game.rounds import FAKE, REAL, Answer, Play, RoundSpec, draw_round  # noqa: E402
from engine.game.store import AnswerStore, default_url, make_engine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def percentiles(ms: list[float]) -> str:
    return (f"median {statistics.median(ms):.0f} ms, p90 {np.percentile(ms, 90):.0f} ms, max {max(ms):.0f} ms "
            f"(n={len(ms)})")


# ---------------------------------------------------------------------------------------------- scripted players
def scripted_players(model: str, rounds: int, length: int) -> None:
    folder = opponents.PRETRAINED_DIR / model
    opponent = opponents.load(folder, f"pretrained:{model}", model)
    rng = np.random.default_rng(0)
    wrong, players = [], []
    for seed in range(1, rounds + 1):
        play = Play(draw_round(RoundSpec(seed=seed, length=length), opponent.model, opponent.dataset,
                               opponent.heldout, opponent.sample), f"random{seed}")
        while not play.done:
            play.answer(REAL if rng.random() < 0.5 else FAKE)
        wrong += [a.answer != a.truth for a in play.answers]
        players += [play.player] * len(play.answers)
    low, high = bootstrap_interval(wrong, players)
    print(f"random player, {rounds} rounds x {length} images of {model}: error {np.mean(wrong):.1%} "
          f"[95% {low:.1%}, {high:.1%}] (chance: 50%)")
    for share in (0.25, 0.5, 0.75):
        errors = []
        for seed in range(1, min(rounds, 20) + 1):
            play = Play(draw_round(RoundSpec(seed=seed, length=length, fake_share=share), opponent.model,
                                   opponent.dataset, opponent.heldout, opponent.sample), "always-real")
            while not play.done:
                play.answer(REAL)
            errors.append(play.rates().error)
        print(f"always-real player, fake share {share:.0%}: error {np.mean(errors):.1%} "
              f"(min {min(errors):.1%}, max {max(errors):.1%} over {len(errors)} rounds)")


# ---------------------------------------------------------------------------------------------- the store
def throughput(writers: int, answers: int) -> None:
    for threads in sorted({1, writers}):
        store = AnswerStore(make_engine(default_url(tempfile.mkdtemp(prefix="rof-bench-"))))  # a fresh file
        store.open()

        def write(t: int) -> None:
            for k in range(answers):
                store.add([Answer(time.time(), f"player{t}", "bench", "bench:model", "bench", "gan", "{}",
                                  f"image{k}", REAL, FAKE, 1.0, None, "single")])

        workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        seconds = time.perf_counter() - start
        count = store.version()[0]
        print(f"store (SQLite, WAL), {threads} writer(s) x {answers} answers: {count} of {threads * answers} "
              f"stored, {count / seconds:,.0f} answers/s, {store.retried} retried writes")
        store.engine.dispose()


# ---------------------------------------------------------------------------------------------- the page
def apptest(model: str, n: int) -> None:
    from streamlit.testing.v1 import AppTest

    os.environ["GENLAB_RUNS_DIR"] = tempfile.mkdtemp(prefix="rof-bench-runs-")
    rng = np.random.default_rng(1)
    for player in ("random", "always-real"):
        at = AppTest.from_file(str(ROOT / "pages" / "real_or_fake.py"), default_timeout=60)
        at.query_params.update({"rof_model": f"pretrained:{model}", "rof_length": str(n)})
        at.run()
        ms = []
        while not at.session_state["_rof_play"].done:
            key = "rof_real" if player == "always-real" or rng.random() < 0.5 else "rof_fake"
            start = time.perf_counter()
            at.button(key=key).click().run()
            ms.append((time.perf_counter() - start) * 1000)
        rates = at.session_state["_rof_play"].rates()
        print(f"AppTest, {player} player, one round of {n} on the page: error {rates.error:.0%} "
              f"(fakes judged real {rates.fake_error:.0%}, reals judged fake {rates.real_error:.0%}); "
              f"answer -> next image rerun: {percentiles(ms)}")


LATENCY_JS = """
window.__latency = []; window.__pressed = null;
window.addEventListener("keydown", (e) => { if (e.key === "r" || e.key === "f") window.__pressed = performance.now(); },
                        true);
new MutationObserver(() => {
  const img = document.querySelector("[data-testid='stImage'] img");
  if (!img || window.__pressed === null || img.src === window.__shown) return;
  window.__shown = img.src;
  const pressed = window.__pressed;
  window.__pressed = null;
  img.decode().then(() => window.__latency.push(performance.now() - pressed)).catch(() => {});
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ["src"]});
"""


def browser(model: str, n: int) -> None:
    import shutil

    chromium = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)),
                    None)
    if chromium is None:
        print("browser latency: skipped (no Chromium on PATH)")
        return
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS, Server

    server = Server(Path(tempfile.mkdtemp(prefix="rof-bench-server-")))
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.add_init_script(LATENCY_JS)
            page.goto(f"{server.url}/real-or-fake?rof_model=pretrained:{model}&rof_length={n + 1}")
            page.get_by_text(f"Image 1 of {n + 1}").wait_for(timeout=90_000)
            page.locator("[data-testid='stImage'] img").first.wait_for()
            page.evaluate("() => { window.__shown = document.querySelector(\"[data-testid='stImage'] img\").src; }")
            for i in range(n):
                page.keyboard.press("rf"[i % 2])
                page.get_by_text(f"Image {i + 2} of {n + 1}").wait_for()
                page.wait_for_function(f"() => window.__latency.length >= {i + 1}", timeout=30_000)
                page.wait_for_timeout(150)  # a person looks before answering
            ms = page.evaluate("window.__latency")
            b.close()
        print(f"browser, key press -> next image decoded: {percentiles(ms)} (target < 150 ms)")
    finally:
        server.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="gan-digits", help="a shipped model (assets/pretrained/)")
    p.add_argument("--rounds", type=int, default=200, help="rounds per scripted player")
    p.add_argument("--length", type=int, default=20, help="images per round")
    p.add_argument("--writers", type=int, default=20)
    p.add_argument("--answers", type=int, default=50, help="answers per writer")
    p.add_argument("--latency-answers", type=int, default=40)
    p.add_argument("--no-browser", action="store_true")
    args = p.parse_args()
    scripted_players(args.model, args.rounds, args.length)
    throughput(args.writers, args.answers)
    apptest(args.model, args.latency_answers)
    if not args.no_browser:
        browser(args.model, args.latency_answers)


if __name__ == "__main__":
    main()
