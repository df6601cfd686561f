"""Evaluation shared by the families: one definition of each metric, used by the command line, the pages and tests.

    judge.py        the judge classifier, trained once per labelled dataset and cached on disk
    images.py       judge score, Frechet distance, confident fraction, class histogram
    modes2d.py      modes covered, high-quality fraction, mode KL on 2D toys
    calibration.py  reliability bins, ECE, most confident mistakes
    likelihood.py   nats per image and bits per dimension
"""
