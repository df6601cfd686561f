"""Real or fake? The visual Turing test of Salimans et al. 2016 as a measurement, HYPE (Zhou et al. 2019,
https://arxiv.org/abs/1904.01121): people tell held-out real images from a model's samples, and the model's score
is their error rate. Nothing here imports streamlit; the page (pages/real_or_fake.py) only draws and clicks.

- `hype.py`        the error rate (fakes judged real, reals judged fake) and its bootstrap interval
- `staircase.py`   the timed mode (HYPE-time): exposure shortened after a right answer, lengthened after a wrong one
- `rounds.py`      a round: its settings, its images drawn once from a seed (reals without repeats, fakes from a
                   fixed seed), the answers as they come, the round's score
- `opponents.py`   the models to play against: shipped pretrained models, saved runs, a session's live run
- `store.py`       every answer in a database through SQLAlchemy (SQLite in WAL mode by default; no lost writes)
- `leaderboard.py` the room's scores per model, from the stored answers
- `pictures.py`    images enlarged by whole pixels (8x8 and 28x28 are judged at 280 pixels), the timed mode's mask
"""
