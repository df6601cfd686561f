"""A workshop on one server: an instructor and N students follow a whole shipped lesson over Streamlit's own
protocol (tests/e2e/streamlit_protocol.py, as bench/classroom.py), with the board open.

Measured in one run, printed at the end:
- from the instructor's "next" (a move written to the workshop store, as the Room control page's button does, here
  from this process: a second process serving the room) to each student's page showing the new step (p50, p95);
- answers stored per question (N of N) after every student answered (a tap on a choice, or a number and Send);
- the board's redraw while every student's run trains (each board fragment rerun, request to end: p50, p95);
- the server's CPU (cores) and memory while the board is open with N live runs;
- then the server killed with SIGKILL and started again on the same folder: the room, its step and every answer are
  back, and a student's link opens the room's step again.

    nice -n 10 python bench/workshop.py --students 30 [--lesson gan_mode_collapse] [--train-seconds 20]

Students join through the store (their links then hold their token, as a browser's would after joining).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.classroom import busy, quantiles, say  # noqa: E402
from engine.backends.load import rss_mb, summed, tree  # noqa: E402
from engine.lessons import library  # noqa: E402
from engine.lessons.pages import PAGES  # noqa: E402
from engine.lessons.store import FIRST, make_store  # noqa: E402
from tests.e2e.conftest import Server  # noqa: E402
from tests.e2e.streamlit_protocol import ProtocolSession  # noqa: E402

ANSWERS = {"single": "choice", "multiple": "choice", "number": "number"}


def link(url: str, lesson, step: int, code: str, token: str) -> str:
    page = PAGES[lesson.steps[step].page].url
    return f"{url}/{page}?lesson={lesson.id}&lesson_step={step + 1}&room={code}&student={token}"


async def answer(student: ProtocolSession, question, i: int) -> None:
    if question.kind == "number":
        await student.submit_number(question.unit or "Your answer", question.answer + (i % 3) - 1, "^Send$")
    else:
        choice = question.choices[i % len(question.choices)]
        await student.click("^" + __import__("re").escape(choice.text) + "$")


async def workshop(a, server: Server, store, lesson) -> dict:
    out: dict = {"moves": [], "answers": [], "board": [], "cpu": [], "mem": []}
    room = store.open_room(lesson.id, lesson.title, question=lesson.steps[0].question is not None)
    code = room.code
    joined = [store.join(code, f"S{i + 1}") for i in range(a.students)]
    students = [ProtocolSession(link(server.url, lesson, 0, code, s.token)) for s in joined]
    say(f"room {code}: {a.students} students opening the lesson's first page")
    for s in students:
        await s.open(timeout=300, ready=lambda p: p.shows("Step 1 of"))
    board = ProtocolSession(f"{server.url}/board?room={code}")
    await board.open(timeout=120, ready=lambda p: p.shows(code))
    for number, step in enumerate(lesson.steps):
        if number:
            store.move(code, number - 1, number, question=step.question is not None)
            waits = await asyncio.gather(*(s.wait_for(lambda p, n=number: p.shows(f"Step {n + 1} of"), 30)
                                           for s in students))
            out["moves"] += waits
            say(f"step {number + 1}: {quantiles(waits)}")
        if step.question is not None:
            await asyncio.gather(*(answer(s, step.question, i) for i, s in enumerate(students)))
            deadline = time.monotonic() + 60
            while store.answer_count(code, number, FIRST) < a.students and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            stored = store.answer_count(code, number, FIRST)
            out["answers"].append((number + 1, stored))
            store.close_vote(code, number)
        if step.experiment is not None and "gallery" not in out:
            say(f"step {number + 1}: every student presses Play; the board with {a.students} live runs")
            await asyncio.gather(*(s.click("Play") for s in students))
            board.fragment_seconds.clear()
            pid = server.proc.pid
            start = time.monotonic()
            while time.monotonic() - start < a.train_seconds:
                out["cpu"].append(await busy(pid, 2.0))
                out["mem"].append(summed(rss_mb, tree(pid)))
            out["board"] = list(board.fragment_seconds)
            out["gallery"] = len(store.gallery(code, number))
            await asyncio.gather(*(s.click("Pause") for s in students), return_exceptions=True)
    for s in [board, *students]:
        await s.close()
    out["code"], out["tokens"] = code, [s.token for s in joined]
    return out


async def restart_check(a, folder: Path, lesson, result: dict) -> str:
    code = result["code"]
    store = make_store(f"sqlite:///{folder / 'runs' / 'real_or_fake.sqlite'}")
    before = (store.room(code).step, len(store.answers(code)))
    server = Server(folder, **({} if a.cap is None else {"GENLAB_MAX_RUNS": str(a.cap)}))
    try:
        store = make_store(f"sqlite:///{folder / 'runs' / 'real_or_fake.sqlite'}")
        room = store.room(code)
        after = (room.step, len(store.answers(code)))
        student = ProtocolSession(link(server.url, lesson, 0, code, result["tokens"][0]))
        t0 = time.monotonic()
        await student.open(timeout=120, ready=lambda p: p.shows(f"Step {room.step + 1} of"))
        seconds = time.monotonic() - t0
        await student.close()
    finally:
        server.stop()
    same = "the same" if before == after else "NOT the same"
    return (f"after SIGKILL and a restart: room {code} at step {after[0] + 1}, {after[1]} answers stored ({same} as "
            f"before the kill: step {before[0] + 1}, {before[1]} answers); a student's link opened the room's step "
            f"in {seconds:.1f} s")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--lesson", default="gan_mode_collapse")
    p.add_argument("--train-seconds", type=float, default=20.0)
    p.add_argument("--cap", type=int, default=None, help="GENLAB_MAX_RUNS (default: the server's own, cores / "
                                                         "torch threads per run)")
    a = p.parse_args()
    lesson = library.load().get(a.lesson)
    folder = Path(tempfile.mkdtemp(prefix="genlab-workshop-"))
    env = {} if a.cap is None else {"GENLAB_MAX_RUNS": str(a.cap)}
    server = Server(folder, **env)
    store = make_store(f"sqlite:///{folder / 'runs' / 'real_or_fake.sqlite'}")
    idle = summed(rss_mb, tree(server.proc.pid))
    try:
        result = asyncio.run(workshop(a, server, store, lesson))
    finally:
        for pid in reversed(tree(server.proc.pid)):
            try:
                os.kill(pid, signal.SIGKILL)  # the whole tree, as a crash would take it
            except ProcessLookupError:
                pass
        server.proc.wait()
        server.log.close()
    restart = asyncio.run(restart_check(a, folder, lesson, result))
    print(f"bench/workshop.py: {a.students} students, lesson {lesson.id} ({len(lesson.steps)} steps), "
          f"{os.cpu_count()} cores, training slots: {a.cap or 'the server default'}")
    print(f"- instructor's next -> each page on the new step: {quantiles(result['moves'])} (target p95 <= 2 s)")
    print("- answers stored per question: " + ", ".join(f"step {n}: {k} of {a.students}" for n, k in
                                                        result["answers"]))
    print(f"- the board's redraw with {a.students} live runs ({result.get('gallery', 0)} in its gallery): "
          f"{quantiles(result['board'])} (target p95 <= 1.5 s)")
    if result["cpu"]:
        print(f"- server while the board is open: {sum(result['cpu']) / len(result['cpu']):.2f} cores on average "
              f"(max {max(result['cpu']):.2f}), memory {max(result['mem']) / 1024:.2f} GB (idle server "
              f"{idle / 1024:.2f} GB)")
    print(f"- {restart}")


if __name__ == "__main__":
    main()
