"""Lesson presets: named configurations with a sentence on what each one shows. Plain dicts, one per lesson."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    title: str
    family: str
    explanation: str
    values: dict = field(default_factory=dict)


# The mode-collapse lesson on the ring of 8 Gaussians (the setup of Metz et al. 2017). With a one-dimensional z the
# generator must draw one curve through all eight modes; the plain GAN settles on a few. Measured over seeds in
# bench/mode_collapse.py (figures in the README).
MODE_COLLAPSE_BASE = {"dataset": "ring8", "loss": "nonsaturating", "z_dim": 1, "batch_size": 128,
                      "g_depth": 2, "g_width": 128, "d_depth": 2, "d_width": 128, "lr_g": 1e-3, "lr_d": 1e-3}
# Minibatch discrimination costs O(batch^2 * B * C) per call: 8 kernels of size 4 keep the lesson live on a CPU.
MBD = {"minibatch_discrimination": True, "mbd_kernels": 8, "mbd_dim": 4, "mbd_average": True}

GAN2D_PRESETS: dict[str, Preset] = {
    "mode_collapse_plain": Preset(
        "Mode collapse: plain GAN", "gan",
        "A plain GAN on a ring of 8 modes, with one-dimensional noise z: the generator has to draw a single curve "
        "through all eight modes. Watch the orange fakes gather on a few modes (the manifold folds onto them) and "
        "stay there: nothing in the plain objective asks the generator to cover every mode.",
        dict(MODE_COLLAPSE_BASE)),
    "mode_collapse_mbd": Preset(
        "Mode collapse fixed: minibatch discrimination", "gan",
        "The same GAN, seed and data with minibatch discrimination: the discriminator now sees how similar the "
        "samples of a batch are to each other, so a collapsed batch is easy to reject and the generator spreads "
        "over the ring (Salimans et al. 2016, Sec. 3.2).",
        dict(MODE_COLLAPSE_BASE, **MBD)),
    "fast_ring": Preset(
        "Fastest to 8/8 modes", "gan",
        "The quickest setting we measured to cover all 8 modes of the ring on a CPU (bench/ring8_time_to_modes.py; "
        "figures in docs/MEASUREMENTS.md): a plain GAN with two-dimensional z, as in GAN Lab, on batches of 64.",
        {"dataset": "ring8", "batch_size": 64}),
}
