"""After the workshop: the room's answers (CSV, one row per answer with its question and vote), one self-contained
HTML report (the lesson, the votes before and after discussion with Peer Instruction's advice, each experiment's
ablation table with its verdicts, the gallery's pictures inlined as PNG), and a student's own record (Markdown).
The report has no script and no external address: it opens from a file, with no server and no network."""

from __future__ import annotations

import base64
import csv
import html
import io
import re
import time
from dataclasses import dataclass, field

from engine.lessons import ablation, peer
from engine.lessons.format import Lesson, Step
from engine.lessons.pages import PAGES
from engine.lessons.store import FIRST, REVOTE, GalleryEntry, LessonStore, Room, StoredAnswer, Student

ROUNDS = {FIRST: "first vote", REVOTE: "revote"}
PALETTE = {"bar": "#0072B2", "right": "#009E73", "text": "#222222", "muted": "#666666"}  # Okabe-Ito


@dataclass
class RoomRecord:
    """Everything the exports show, read from the store once."""

    lesson: Lesson
    room: Room
    students: list[Student]
    answers: list[StoredAnswer]
    galleries: dict[int, list[GalleryEntry]] = field(default_factory=dict)

    def name(self, token: str) -> str:
        for s in self.students:
            if s.token == token:
                return s.name
        return "?"

    def number(self, token: str) -> int:
        return next((s.number for s in self.students if s.token == token), 0)


def gather(store: LessonStore, lesson: Lesson, code: str) -> RoomRecord:
    room = store.room(code)
    if room is None:
        raise LookupError(f"no room {code}")
    return RoomRecord(lesson, room, store.students(code), store.answers(code),
                      {s.index: store.gallery(code, s.index) for s in lesson.steps})


def answers_csv(record: RoomRecord) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["lesson", "room", "step", "step_title", "question", "vote", "student", "name", "answer",
                     "correct", "right_answer", "at"])
    for a in record.answers:
        step = record.lesson.steps[a.step] if a.step < len(record.lesson.steps) else None
        q = step.question if step is not None else None
        writer.writerow([record.lesson.id, record.room.code, a.step + 1, step.title if step else "",
                         q.text if q else "", ROUNDS.get(a.round, a.round), record.number(a.student),
                         record.name(a.student), q.label(a.answer) if q else a.answer, a.correct,
                         q.right_answer() if q else "", time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(a.at))])
    return out.getvalue().encode()


def _text(markdown: str) -> str:
    """Lesson markdown as plain HTML paragraphs (escaped; **bold** and `code` kept, equations left as written)."""
    parts = []
    for para in re.split(r"\n\s*\n", markdown.strip()):
        body = html.escape(para.strip()).replace("\n", "<br>")
        body = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", body)
        body = re.sub(r"`(.+?)`", r"<code>\1</code>", body)
        parts.append(f"<p>{body}</p>")
    return "\n".join(parts)


def _bars(tally: peer.Tally) -> str:
    if not tally.n:
        return "<p class=muted>No answers.</p>"
    top = max(tally.counts.values()) or 1
    rows = []
    for label, count in tally.counts.items():
        right = label in tally.right_labels
        width = 100 * count / top
        colour = PALETTE["right"] if right else PALETTE["bar"]
        rows.append(f"<tr><td>{html.escape(label)}{' ✓' if right else ''}</td><td class=barcell><div class=bar "
                    f"style='width:{width:.0f}%;background:{colour}'></div></td><td>{count}</td></tr>")
    return (f"<table class=votes>{''.join(rows)}</table><p>{html.escape(tally.sentence())}</p>")


def _ablation_table(step: Step, entries: list[GalleryEntry]) -> str:
    page = PAGES[step.page]
    exp = step.experiment
    rows = ablation.ablation(page.family, step.preset, exp, [
        ablation.Entry(e.student, e.changes, e.metric) for e in entries])
    when = f" at step {exp.at_step:,}" if exp.at_step else " (latest evaluation)"
    head = (f"<table class=abl><tr><th>variant</th><th>settings</th><th>n</th><th>{html.escape(exp.metric)}{when}"
            f"<br>mean ± sd</th><th>against the baseline (Welch)</th></tr>")
    body = []
    for r in rows:
        stat = "–" if r.mean is None else f"{r.mean:.4g} ± {r.sd:.2g}"
        body.append(f"<tr><td>{html.escape(r.variant)}</td><td>{html.escape(r.settings)}</td><td>{r.n}</td>"
                    f"<td>{stat}</td><td>{html.escape(r.verdict)}</td></tr>")
    return head + "".join(body) + "</table>"


def _gallery(record: RoomRecord, entries: list[GalleryEntry]) -> str:
    cells = []
    for e in entries:
        if not e.picture:
            continue
        data = base64.b64encode(e.picture).decode()
        metric = f" · {e.metric:.3g}" if e.metric is not None else ""
        changes = ablation.label(e.changes)
        cells.append(f"<figure><img alt='run' src='data:image/png;base64,{data}'><figcaption>"
                     f"{html.escape(record.name(e.student))} · step {e.at_step:,}{metric}<br>"
                     f"<span class=muted>{html.escape(changes)}</span></figcaption></figure>")
    return f"<div class=gallery>{''.join(cells)}</div>" if cells else ""


STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.45}
h1{font-size:2em}h2{border-top:2px solid #ddd;padding-top:.6em}.muted{color:#666}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
.votes td{border:none}.barcell{width:320px}.bar{height:1.1em}.gallery{display:flex;flex-wrap:wrap;gap:10px}
figure{margin:0;width:180px;font-size:.85em}figure img{width:180px;image-rendering:pixelated;border:1px solid #ccc}
code{background:#f3f3f3;padding:0 .2em}"""


def report_html(record: RoomRecord) -> str:
    lesson, room = record.lesson, record.room
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(room.created_at))
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(lesson.title)}</title>"
             f"<style>{STYLE}</style></head><body>",
             f"<h1>{html.escape(lesson.title)}</h1><p class=muted>Room {room.code} · {when} · "
             f"{len(record.students)} students · {lesson.minutes} min · topics: {', '.join(lesson.topics)}</p>",
             _text(lesson.summary) if lesson.summary else ""]
    for step in lesson.steps:
        parts.append(f"<h2>Step {step.index + 1}. {html.escape(step.title)}</h2>"
                     f"<p class=muted>page: {html.escape(step.page)}</p>{_text(step.say)}")
        if step.question is not None:
            q = step.question
            parts.append(f"<h3>Question</h3><p>{html.escape(q.text)}</p><p>Right answer: "
                         f"<b>{html.escape(q.right_answer())}</b></p>")
            for rnd, name in ROUNDS.items():
                given = [a.answer for a in record.answers if a.step == step.index and a.round == rnd]
                if rnd == REVOTE and not given:
                    continue
                parts.append(f"<h4>{name.capitalize()}</h4>{_bars(peer.tally(q, given))}")
        entries = record.galleries.get(step.index, [])
        if step.experiment is not None:
            parts.append(f"<h3>The room's ablation</h3>{_ablation_table(step, entries)}")
        if entries:
            parts.append(f"<h3>The room's runs</h3>{_gallery(record, entries)}")
        if step.reveal:
            parts.append(f"<h3>What the runs showed</h3>{_text(step.reveal)}")
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)


def student_record(lesson: Lesson, name: str, answers: list[StoredAnswer], checks: dict[int, str],
                   room: str = "") -> str:
    """One student's lesson as Markdown: each step's answers (first vote, revote), right or not, the feedback,
    and what their own run's check said."""
    lines = [f"# {lesson.title}", "", f"{name}" + (f", room {room}" if room else "") + ", "
             + time.strftime("%Y-%m-%d"), ""]
    for step in lesson.steps:
        lines += [f"## Step {step.index + 1}. {step.title}", ""]
        q = step.question
        mine = [a for a in answers if a.step == step.index]
        if q is not None:
            lines += [f"**{q.text}**", ""]
            for a in mine:
                verdict = "right" if a.correct else f"not right (the answer: {q.right_answer()})"
                lines.append(f"- {ROUNDS.get(a.round, a.round)}: {q.label(a.answer)}: {verdict}")
                if q.feedback(a.answer):
                    lines.append(f"  {q.feedback(a.answer)}")
            if not mine:
                lines.append("- not answered")
            lines.append("")
        if step.index in checks:
            lines += [f"Your run: {checks[step.index]}", ""]
    return "\n".join(lines)
