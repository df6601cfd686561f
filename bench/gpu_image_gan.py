"""Image GANs on a GPU: steps/s of the DCGAN on MNIST 28x28 in float32 and with bf16 autocast, and every trick of the
family trained a few steps with device=cuda (a smoke test of the whole family on the device).

    python bench/gpu_image_gan.py --data-root DIR_WITH_MNIST_IDX [--steps 300]
Runs on CPU too (--device cpu) to check the script itself.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from engine.registry import build_trainer  # noqa: E402

TRICKS = {
    "feature matching": {"feature_matching": True},
    "minibatch discrimination": {"minibatch_discrimination": True},
    "historical averaging": {"historical_averaging": 0.01},
    "virtual batch norm": {"virtual_batchnorm": True},
    "spectral norm": {"spectral_norm": True},
    "replay buffer": {"replay_buffer": 2000},
    "adaptive augmentation": {"ada": True},
    "conditional": {"conditional": True},
    "wgan-gp": {"loss": "wgan_gp"},
    "hinge + layer norm": {"loss": "hinge", "d_norm": "layer"},
}


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def rate(values: dict, steps: int, device: str) -> float:
    t = build_trainer("gan", values)
    for _ in range(20):  # warm-up (cudnn autotuning, allocator)
        t.step()
    sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        t.step()
    sync(device)
    return steps / (time.perf_counter() - start)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data-root", required=True)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--device", default="cuda")
    p.add_argument("--dataset", default="mnist")
    a = p.parse_args()
    torch.backends.cudnn.benchmark = True
    name = torch.cuda.get_device_name() if a.device == "cuda" else "cpu"
    print(f"device: {name}; torch {torch.__version__}")
    base = {"dataset": a.dataset, "data_root": a.data_root, "device": a.device, "g_width": 64, "d_width": 64}
    print("| batch | width | float32 steps/s | bf16 autocast steps/s |\n|---|---|---|---|")
    for batch in (64, 256):
        f32 = rate({**base, "batch_size": batch}, a.steps, a.device)
        bf16 = rate({**base, "batch_size": batch, "precision": "bf16"}, a.steps, a.device)
        print(f"| {batch} | 64 | {f32:.0f} | {bf16:.0f} |", flush=True)
    print("\nEvery trick, 30 steps with bf16 autocast on the device, then the judge's metrics:")
    for trick, extra in TRICKS.items():
        t = build_trainer("gan", {**base, "precision": "bf16", **extra})
        start = time.perf_counter()
        for _ in range(30):
            losses = t.step()
        sync(a.device)
        finite = all(torch.isfinite(torch.tensor(v)) for v in losses.values())
        print(f"- {trick}: {30 / (time.perf_counter() - start):.0f} steps/s, losses finite: {finite}, "
              f"on {next(t.G.parameters()).device}", flush=True)
    m = t.evaluate()
    print(f"judge metrics after 30 steps (last trick): score {m['judge_score']:.2f}, "
          f"Frechet {m['frechet_distance']:.1f}, histogram {m['class_histogram']}")


if __name__ == "__main__":
    main()
