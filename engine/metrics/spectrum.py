r"""How much of images' energy lies at high spatial frequencies: the checkerboard artefacts of transposed
convolutions are a pattern at the highest frequencies (Odena et al. 2016, Distill, "Deconvolution and Checkerboard
Artifacts"; Durall et al. 2020, arXiv:2003.01826, measure GANs' spectra the same way).

$$P(u, v) = \big\langle |\mathcal{F}(x - \bar x)(u, v)|^2 \big\rangle_{\text{images, channels}},\qquad
\mathrm{HF} = \frac{\sum_{\max(|u|, |v|) > f_c} P(u, v)}{\sum_{u, v} P(u, v)}$$

with frequencies in cycles per pixel (|u| <= 1/2) and f_c = 1/4, the upper half of each axis. The high-frequency gap
|log(HF_samples / HF_real)| is 0 when samples have the real images' share.
"""

from __future__ import annotations

import math

import numpy as np
import torch

CUTOFF = 0.25  # cycles per pixel: the upper half of the frequencies in each direction


def _array(images) -> np.ndarray:
    """float64 (N, C, H, W) from a tensor or array in [-1, 1] or uint8."""
    x = images.detach().cpu().numpy() if torch.is_tensor(images) else np.asarray(images)
    return x.astype(np.float64) / 127.5 - 1 if x.dtype == np.uint8 else x.astype(np.float64)


def power_spectrum(images) -> np.ndarray:
    """P (H, W), the mean power over images and channels, zero frequency at the centre (fftshift)."""
    x = _array(images)
    x = x - x.mean(axis=(2, 3), keepdims=True)  # each image's mean: no zero-frequency term
    return np.fft.fftshift((np.abs(np.fft.fft2(x)) ** 2).mean(axis=(0, 1)))


def high_frequency_energy(images, cutoff: float = CUTOFF) -> float:
    """The share of the power at max(|u|, |v|) > cutoff."""
    power = power_spectrum(images)
    u = np.fft.fftshift(np.fft.fftfreq(power.shape[0]))[:, None]
    v = np.fft.fftshift(np.fft.fftfreq(power.shape[1]))[None, :]
    high = np.maximum(np.abs(u), np.abs(v)) > cutoff
    total = power.sum()
    return float(power[high].sum() / total) if total > 0 else 0.0


def high_frequency_gap(samples_energy: float, real_energy: float) -> float:
    """|log(HF_samples / HF_real)| (0 = the real share; log 2 = twice or half)."""
    return abs(math.log(max(samples_energy, 1e-12) / max(real_energy, 1e-12)))
