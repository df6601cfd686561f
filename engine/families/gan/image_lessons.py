"""What the Image GANs page's architecture lessons show, computed from a trainer between two steps (the page calls
these through `Run.with_trainer`): the truncation curve, style mixing and the noise inputs of the style generator,
and the checkerboard lesson (the samples' spectrum beside the real images'). Pictures are uint8, numbers floats."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
import torch
import torch.nn.functional as F

from engine.metrics.spectrum import high_frequency_energy, power_spectrum
from engine.pictures.images import to_uint8

PSIS = (0.0, 0.25, 0.5, 0.75, 1.0)


@contextmanager
def _sampling(trainer) -> Iterator[torch.nn.Module]:
    """The trainer's sampler (its EMA generator when on) in evaluation mode, gradients off; its mode restored."""
    G = trainer.sampler
    was_training = G.training
    G.eval()
    try:
        with torch.no_grad():
            yield G
    finally:
        G.train(was_training)


def _full_size(trainer, x: torch.Tensor) -> torch.Tensor:
    side = trainer.data.train.shape[-1]
    return F.interpolate(x, scale_factor=side // x.shape[-1], mode="nearest") if x.shape[-1] != side else x


def truncation_curve(trainer, psis: tuple[float, ...] = PSIS, n: int = 500, shown: int = 8) -> dict[str, Any]:
    """Judge score and Frechet distance of n samples (the first n evaluation z) at each psi, and a picture: one row
    per psi of the same `shown` z. The scores are None while there is no judge (unlabelled data, or training)."""
    rows, scores, distances = [], [], []
    for psi in psis:
        images = trainer._eval_images(psi=psi, n=n)
        rows.append(to_uint8(images[:shown]))
        m = trainer.judge_metrics(images)
        if m:
            scores.append(m["judge_score"])
            distances.append(m["frechet_distance"])
    return {"psi": list(psis), "judge_score": scores or None, "frechet_distance": distances or None,
            "rows": np.stack(rows)}  # (psis, shown, C, H, W)


def _style_generator(trainer):
    if trainer.config.generator != "style":
        raise ValueError("style mixing and noise inputs belong to the style generator (generator=style)")
    return trainer.sampler


def style_layers(trainer) -> list[int]:
    """The side each row of ws acts at, in order (coarse to fine)."""
    G = _style_generator(trainer)
    return [side for side, block in zip(G.sides, G.blocks) for _ in block.layers]


def _labels(trainer, n: int, label: int) -> torch.Tensor | None:
    return torch.full((n,), label, dtype=torch.long, device=trainer.device) if trainer.num_classes else None


def _z(trainer, seeds: list[int]) -> torch.Tensor:
    return torch.cat([trainer._draw_z(1, torch.Generator().manual_seed(s)) for s in seeds])


def style_mixing(trainer, seeds_a: list[int], seeds_b: list[int], crossover: int, label: int = 0) -> dict[str, Any]:
    """StyleGAN's Fig. 3: the images of seeds_a (rows) and seeds_b (columns), and each pair mixed: ws rows before
    `crossover` (the coarse sides) from a, the rest from b. Same noise everywhere. uint8 a (A, C, H, W),
    b (B, C, H, W), mixed (A, B, C, H, W)."""
    G = _style_generator(trainer)
    grown = trainer._grown()
    with _sampling(trainer):
        psi = trainer.config.truncation
        wa = G.styles(_z(trainer, seeds_a), _labels(trainer, len(seeds_a), label), psi)
        wb = G.styles(_z(trainer, seeds_b), _labels(trainer, len(seeds_b), label), psi)

        def draw(ws: torch.Tensor) -> np.ndarray:
            """Each image alone, with the noise maps of one fixed seed: the same noise under every style."""
            x = torch.cat([G.synthesis(w[None], torch.Generator().manual_seed(0), True, **grown) for w in ws])
            return to_uint8(_full_size(trainer, x))

        a, b = draw(wa), draw(wb)
        n_a, n_b = len(seeds_a), len(seeds_b)
        ws = wb[None].repeat(n_a, 1, 1, 1)  # (A, B, L, w_dim): b's styles...
        ws[:, :, :crossover] = wa[:, None, :crossover]  # ...with a's before the crossover
        mixed = draw(ws.flatten(0, 1)).reshape(n_a, n_b, *a.shape[1:])
    return {"a": a, "b": b, "mixed": mixed, "picture": mixing_picture(a, b, mixed)}


def mixing_picture(a: np.ndarray, b: np.ndarray, mixed: np.ndarray, pad: int = 1) -> np.ndarray:
    """uint8 (H', W', C), or (H', W') for one channel: b along the top, a down the left, mixed[i, j] where row i meets column j, white
    padding and an empty corner."""
    c, h, w = a.shape[1:]
    rows, cols = len(a) + 1, len(b) + 1
    picture = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), 255, np.uint8)

    def put(i: int, j: int, image: np.ndarray) -> None:
        top, left = pad + i * (h + pad), pad + j * (w + pad)
        picture[top:top + h, left:left + w] = image.transpose(1, 2, 0)  # (C, H, W) -> (H, W, C)

    for j, image in enumerate(b):
        put(0, j + 1, image)
    for i, image in enumerate(a):
        put(i + 1, 0, image)
        for j in range(len(b)):
            put(i + 1, j + 1, mixed[i, j])
    return picture[..., 0] if c == 1 else picture


def noise_effect(trainer, seed: int, draws: int = 6, label: int = 0) -> dict[str, Any]:
    """StyleGAN's Fig. 4: one w drawn with `draws` different noise inputs, the same w without noise, and the
    per-pixel standard deviation over the draws (what the noise changes: hair, not identity), scaled to uint8."""
    G = _style_generator(trainer)
    grown = trainer._grown()
    with _sampling(trainer):
        ws = G.styles(_z(trainer, [seed]), _labels(trainer, 1, label), trainer.config.truncation)
        ws = ws.expand(draws, -1, -1)
        noisy = _full_size(trainer, G.synthesis(ws, torch.Generator().manual_seed(seed), True, **grown))
        quiet = _full_size(trainer, G.synthesis(ws[:1], None, False, **grown))
    std = noisy.std(0).mean(0)  # (C, H, W) -> (H, W)
    scaled = (std / std.max().clamp_min(1e-8) * 255).round().to(torch.uint8).cpu().numpy()
    return {"with_noise": to_uint8(noisy), "without_noise": to_uint8(quiet), "std": scaled,
            "mean_std": float(std.mean())}


def _log_picture(power: np.ndarray) -> np.ndarray:
    """log(1 + P) scaled to uint8, the zero frequency at the centre."""
    logp = np.log1p(power)
    return (255 * logp / max(logp.max(), 1e-12)).round().astype(np.uint8)


def checkerboard(trainer, n: int = 500, zoom: int = 8) -> dict[str, Any]:
    """The checkerboard lesson: the mean power spectrum of n samples and of n held-out images (log scale, uint8),
    their high-frequency energies (engine/metrics/spectrum.py), and one sample's top-left quarter enlarged `zoom`
    times with nearest pixels, where the artefacts show ((H, W) for one channel)."""
    samples = trainer._eval_images(n=n)
    real = trainer.data.heldout[:n]
    sample = to_uint8(samples[:1])[0]  # (C, H, W)
    quarter = sample[:, : sample.shape[1] // 2, : sample.shape[2] // 2]
    crop = quarter.repeat(zoom, 1).repeat(zoom, 2).transpose(1, 2, 0)  # (C, h, w) -> (h * zoom, w * zoom, C)
    crop = crop[..., 0] if crop.shape[2] == 1 else crop
    return {"spectrum_samples": _log_picture(power_spectrum(samples)),
            "spectrum_real": _log_picture(power_spectrum(real)),
            "hf_samples": high_frequency_energy(samples), "hf_real": trainer.real_high_frequency(),
            "crop": crop}
