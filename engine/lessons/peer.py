"""Peer Instruction's rule for a vote (Mazur, Peer Instruction: A User's Manual, 1997), with p the share of right
answers to the first vote:

    p < 35%            most of the room missed it: explain again, then vote again
    35% <= p <= 70%    the room is split: students convince their neighbours ("turn to your neighbour"), then
                       vote again (the revote is recorded apart from the first vote)
    p > 70%            most got it: say why briefly and move on

and the tally the board shows once the vote is closed (answers per option, the right one marked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from engine.lessons.format import Question

EXPLAIN, DISCUSS, MOVE_ON = "explain", "discuss", "move on"
LOW, HIGH = 0.35, 0.70
ADVICE = {
    EXPLAIN: "Under 35% right: explain the idea again (another angle, the run on the board), then vote again.",
    DISCUSS: "Between 35% and 70% right: ask students to convince their neighbour, then vote again.",
    MOVE_ON: "Over 70% right: say briefly why the right answer is right, and move on.",
}


def rule(share_right: float) -> str:
    if share_right < LOW:
        return EXPLAIN
    if share_right <= HIGH:
        return DISCUSS
    return MOVE_ON


@dataclass(frozen=True)
class Tally:
    counts: dict[str, int]  # option label -> answers, in the question's order (numbers: by value)
    right_labels: tuple[str, ...]  # the labels that are right answers
    n: int
    n_right: int

    @property
    def share_right(self) -> float:
        return self.n_right / self.n if self.n else 0.0

    @property
    def advice(self) -> str:
        return rule(self.share_right)

    def sentence(self) -> str:
        if not self.n:
            return "No answers yet."
        return f"{self.n_right} of {self.n} right ({self.share_right:.0%}). {ADVICE[self.advice]}"


def tally(question: Question, answers: Iterable[Any]) -> Tally:
    """The vote on `question` from the stored answers (one per student)."""
    answers = list(answers)
    if question.kind == "number":
        labels = sorted({question.label(a) for a in answers}, key=float)
        counts = {label: 0 for label in labels}
        right = tuple(label for label in labels if question.is_right(float(label)))
    else:
        singles = question.kind == "single"
        counts = {c.text: 0 for c in question.choices} if singles else {}
        right = (question.right_answer(),) if not singles else tuple(c.text for c in question.choices if c.correct)
        if not singles:
            counts[question.right_answer()] = 0
    n_right = 0
    for a in answers:
        label = question.label(a)
        counts[label] = counts.get(label, 0) + 1
        n_right += question.is_right(a)
    return Tally(counts, right, len(answers), n_right)
