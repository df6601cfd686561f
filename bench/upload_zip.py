"""Upload to first training step for a zip of class folders (issue 18): a zip of N PNG digits (MNIST test images
when --data-root is given, else scikit-learn's digits repeated), read as the page reads an upload
(engine/data/uploads.py: every entry checked and bounded, decoded, squared, resized), then a trainer built on it and
one step taken, each phase timed, with the memory the session holds for it (the dataset's tensors) and the
process's resident memory before and after.

    python bench/upload_zip.py [--images 5000] [--size 28] [--family vae] [--data-root ../shared/data/mnist]
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from engine.data.images import digits, mnist_like  # noqa: E402
from engine.data.uploads import dataset_from_upload  # noqa: E402
from engine.registry import build_trainer  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pictures(n: int, data_root: str) -> tuple[np.ndarray, np.ndarray]:
    """n greyscale pictures (uint8, H x W) and their labels."""
    data = mnist_like("mnist", data_root, download=False) if data_root else digits()
    x = torch.cat([data.train, data.heldout])[:, 0]
    images = ((x.numpy() + 1) * 127.5).round().astype(np.uint8)
    labels = torch.cat([data.train_labels, data.heldout_labels]).numpy()
    take = np.arange(n) % len(images)
    return images[take], labels[take]


def make_zip(images: np.ndarray, labels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (image, label) in enumerate(zip(images, labels, strict=True)):
            png = io.BytesIO()
            Image.fromarray(image, "L").save(png, format="PNG")
            archive.writestr(f"digits/{int(label)}/{i:05d}.png", png.getvalue())
    return buffer.getvalue()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=int, default=5000)
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--family", default="vae")
    p.add_argument("--data-root", default="")
    args = p.parse_args()
    torch.set_num_threads(1)

    images, labels = pictures(args.images, args.data_root)
    blob = make_zip(images, labels)
    source = f"MNIST test images from {args.data_root}" if args.data_root else "scikit-learn digits (8x8), repeated"
    print(f"zip of {args.images:,} PNG pictures ({source}): {len(blob) / 2**20:.2f} MiB")
    before = rss_mb()

    t0 = time.perf_counter()
    data = dataset_from_upload([("digits.zip", blob)], size=args.size)
    t1 = time.perf_counter()
    trainer = build_trainer(args.family, {"dataset": data.name, "seed": 0}, data=data)
    t2 = time.perf_counter()
    trainer.step()
    t3 = time.perf_counter()

    tensors = (data.train, data.train_labels, data.heldout, data.heldout_labels)
    held = sum(t.numel() * t.element_size() for t in tensors if t is not None)
    print(f"dataset: {len(data.train):,} to train + {len(data.heldout):,} held out, {data.image_shape}, "
          f"{data.num_classes} classes")
    print(f"read and check the zip: {t1 - t0:.2f} s")
    print(f"build the {args.family} trainer on it: {t2 - t1:.2f} s")
    print(f"first training step: {t3 - t2:.3f} s")
    print(f"upload to first step: {t3 - t0:.2f} s")
    print(f"the session holds the dataset's tensors: {held / 2**20:.1f} MiB (the zip itself is not kept)")
    print(f"process resident memory: {before:.0f} MiB before reading, {rss_mb():.0f} MiB after the first step")


if __name__ == "__main__":
    main()
