"""What the models make of digits drawn on the canvas: ten strokes shaped like 0 to 9, drawn as the canvas draws them
(a round white brush, 20 px wide, on a 280 x 280 black square), reduced the way the dataset was made
(engine/data/drawing.py), then read by a trained classifier, by the dataset's judge, and reconstructed by the
shipped VAE (and read again by the judge).

    python bench/drawn_digits.py [--dataset digits|mnist --data-root DIR] [--classifier-steps 1000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from engine.data.drawing import reduce_drawing  # noqa: E402
from engine.persistence import load_trainer  # noqa: E402
from engine.registry import build_trainer  # noqa: E402

SIDE, BRUSH = 280, 20
# Each digit as strokes of points on a 0..1 square (x right, y down), the way a hand draws it.
STROKES = {
    0: [[(0.5, 0.15), (0.3, 0.25), (0.25, 0.5), (0.3, 0.75), (0.5, 0.85), (0.7, 0.75), (0.75, 0.5), (0.7, 0.25),
         (0.5, 0.15)]],
    1: [[(0.4, 0.25), (0.55, 0.15), (0.55, 0.85)]],
    2: [[(0.3, 0.3), (0.45, 0.15), (0.65, 0.2), (0.7, 0.35), (0.3, 0.85), (0.75, 0.85)]],
    3: [[(0.3, 0.2), (0.65, 0.2), (0.45, 0.45), (0.7, 0.6), (0.6, 0.82), (0.3, 0.82)]],
    4: [[(0.6, 0.85), (0.6, 0.15), (0.25, 0.6), (0.75, 0.6)]],
    5: [[(0.7, 0.15), (0.35, 0.15), (0.3, 0.45), (0.6, 0.45), (0.7, 0.65), (0.55, 0.85), (0.3, 0.8)]],
    6: [[(0.65, 0.15), (0.35, 0.4), (0.3, 0.7), (0.5, 0.85), (0.68, 0.7), (0.55, 0.52), (0.32, 0.62)]],
    7: [[(0.25, 0.18), (0.75, 0.18), (0.45, 0.85)]],
    8: [[(0.5, 0.5), (0.32, 0.32), (0.5, 0.15), (0.68, 0.32), (0.5, 0.5), (0.3, 0.7), (0.5, 0.86), (0.7, 0.7),
         (0.5, 0.5)]],
    9: [[(0.68, 0.4), (0.5, 0.52), (0.32, 0.38), (0.5, 0.15), (0.68, 0.35), (0.6, 0.85)]],
}


def canvas(digit: int) -> np.ndarray:
    """The RGBA picture the canvas sends for one drawn digit."""
    picture = Image.new("RGBA", (SIDE, SIDE), (0, 0, 0, 255))
    pen = ImageDraw.Draw(picture)
    for stroke in STROKES[digit]:
        points = [(x * SIDE, y * SIDE) for x, y in stroke]
        pen.line(points, fill=(255, 255, 255, 255), width=BRUSH, joint="curve")
        for x, y in points:
            pen.ellipse((x - BRUSH / 2, y - BRUSH / 2, x + BRUSH / 2, y + BRUSH / 2), fill=(255, 255, 255, 255))
    return np.asarray(picture)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", default="digits")
    p.add_argument("--data-root", default="")
    p.add_argument("--classifier-steps", type=int, default=1000)
    p.add_argument("--vae", default=str(Path(__file__).resolve().parents[1] / "assets" / "pretrained" / "vae-digits"))
    a = p.parse_args()
    torch.set_num_threads(1)
    classifier = build_trainer("classifier", {"dataset": a.dataset, "data_root": a.data_root,
                                              "total_steps": a.classifier_steps})
    for _ in range(a.classifier_steps):
        classifier.step()
    error = classifier.evaluate()["test_error"]
    judge = classifier.judge(wait=True)
    shape = tuple(classifier.data.image_shape)
    vae = load_trainer(a.vae) if a.dataset == "digits" else None
    drawn = torch.stack([reduce_drawing(canvas(d), a.dataset, shape)[0] for d in range(10)])
    net = classifier.probabilities(drawn)
    judged = judge.probabilities_and_features(drawn)[0]
    print(f"{a.dataset}: a classifier trained {a.classifier_steps} steps (held-out error {error:.1%}), the judge "
          f"(held-out accuracy {judge.heldout_accuracy:.1%})" + (", the shipped VAE" if vae else ""))
    print("| drawn | classifier says | judge says | judge on the VAE's reconstruction |")
    print("|---|---|---|---|")
    rebuilt = judge.probabilities_and_features(vae.decode(vae.encode(drawn)).cpu())[0] if vae else None
    right = {"classifier": 0, "judge": 0, "vae": 0}
    for d in range(10):
        c, j = int(net[d].argmax()), int(judged[d].argmax())
        cells = [f"{c} ({float(net[d, c]):.0%})", f"{j} ({float(judged[d, j]):.0%})"]
        right["classifier"] += c == d
        right["judge"] += j == d
        if rebuilt is not None:
            r = int(rebuilt[d].argmax())
            right["vae"] += r == d
            cells.append(f"{r} ({float(rebuilt[d, r]):.0%})")
        else:
            cells.append("-")
        print(f"| {d} | " + " | ".join(cells) + " |")
    print(f"right: classifier {right['classifier']}/10, judge {right['judge']}/10"
          + (f", judge on the VAE's reconstructions {right['vae']}/10" if vae else ""))


if __name__ == "__main__":
    main()
