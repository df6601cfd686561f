"""Lessons a teacher writes as TOML files (lessons/*.toml), and the room that follows one.

    format.py       the records (Lesson, Step, Question, Choice, Experiment) and the parser: every problem with its
                    line (LessonError)
    lines.py        where each key of a TOML file is written (tomllib gives no positions)
    checks.py       a step's run check ("modes_covered >= 7 by step 3000"): parsed, then evaluated on a run's records
                    and preview
    pages.py        the pages a step may open: their family, dataset key, run slot and the URL keys they hold
    values.py       what a check may read on each family's run (its summary's metrics, losses, preview arrays)
    checker.py      a lesson against the registry: pages, presets, controls, metrics, answers (`lesson check`)
    library.py      the lessons folder: every file loaded, a malformed one reported and the others kept
    peer.py         Peer Instruction: the share of right answers and what to do next
    ablation.py     the room's runs as one experiment: grouped by the setting they changed, mean +- sd, Welch
    store.py        rooms, students, votes, answers and the gallery in the SQL store of the real-or-fake game
    pictures.py     thumbnails (PNG) from a run's preview arrays, and the QR code of a join link
    export.py       after the workshop: answers per question (CSV), the self-contained HTML report, a student's record
"""
