"""The seed's GAN-stabilising tips, one at a time against the DCGAN, at equal CPU time (issue 16's closing note:
which of them helped here and which did not): each normalisation of the generator (conditional and self-modulated
batch norm, instance, layer, pixel), LeakyReLU in the generator, average-pooling down-sampling, nearest and
PixelShuffle up-sampling, ResNet blocks, 50% dropout in the generator kept at sampling, RMSprop, and, from the
later papers, minibatch stddev and the generator's EMA. Same measurements and verdicts as bench/gan_architectures.py.

    python bench/gan_tips.py [--dataset digits|mnist] [--data-root DIR] [--minutes 10] [--seeds 3] [--workers 2]
        [--only "DCGAN,G pixel norm"] [--set KEY=VALUE ...] [--json FILE]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gan_architectures import parse_common, report, run_all  # noqa: E402

TIPS = {
    "DCGAN": {},
    "G conditional batch norm": {"g_norm": "conditional_batch"},
    "G self-modulated batch norm": {"g_norm": "self_modulated"},
    "G instance norm": {"g_norm": "instance"},
    "G layer norm": {"g_norm": "layer"},
    "G pixel norm": {"g_norm": "pixel"},
    "G LeakyReLU 0.2": {"g_leaky_slope": 0.2},
    "D average pooling": {"downsample": "avgpool"},
    "G nearest + conv": {"upsample": "nearest"},
    "G PixelShuffle": {"upsample": "pixelshuffle"},
    "ResNet blocks": {"blocks": "resnet"},
    "G dropout 0.5 (kept)": {"g_dropout": 0.5},
    "RMSprop": {"optimizer": "rmsprop", "lr_g": 2e-4, "lr_d": 2e-4},
    "D minibatch stddev": {"minibatch_stddev": True},
    "G EMA (half-life 500)": {"g_ema": 500},
}


def main() -> None:
    from engine.config import parse_set_args

    a = parse_common(__doc__.splitlines()[0]).parse_args()
    base = {"dataset": a.dataset, "data_root": a.data_root, **parse_set_args(a.sets)}
    variants = {k: TIPS[k] for k in a.only.split(",")} if a.only else TIPS
    if a.only and "DCGAN" not in variants:
        variants = {"DCGAN": {}, **variants}  # the baseline every tip is read against
    rows = run_all(variants, base, a.seeds, a.minutes, a.workers)
    title = (f"{a.dataset}, {a.minutes:g} CPU minutes per run, seeds 0..{a.seeds - 1}; each tip alone on the DCGAN "
             f"(image defaults {parse_set_args(a.sets) or ''})")
    table = report(rows, variants, title)
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "summary": table}, indent=2, default=float))


if __name__ == "__main__":
    main()
