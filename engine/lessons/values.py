"""What a step's check (or its experiment) may read on a run of each family: the metrics the family declares (its
summary's, engine/family.py `Family.metrics`), the losses and counts its metric records carry beside them, and the
arrays of its preview that a check counts dimensions of ("in at least K dimensions"). tests/unit/test_lessons.py
trains each family a few steps and finds every name here in its records or preview.
"""

from __future__ import annotations

from engine.registry import FAMILIES

RECORD, PREVIEW = "record", "preview"
EVERY_RUN = ("step", "train_seconds", "parameters")  # every record of every family
RECORDED = {  # beside Family.metrics: the losses and counts the family's records hold
    "gan": ("loss_d", "loss_g", "d_real", "d_fake", "modes_total", "grad_norm_d", "grad_norm_g",
            "high_frequency_energy"),
    "vae": ("kl", "loss", "nll_iw_k"),
    "pixelcnn": ("train_bits_per_dim", "loss"),
    "vqvae": ("commitment", "restarted", "prior_steps", "loss"),
    "flow": ("train_bits_per_dim", "loss", "modes_total"),
    "kde": ("bandwidth", "kernels", "nll_new", "modes_total"),
    "ebm": ("energy_real", "energy_fake", "energy_scale", "contrastive", "loss", "modes_total"),
    "diffusion": ("network_evaluations", "loss", "modes_total"),
    "ssgan": ("d_real", "d_fake", "loss_d", "loss_g", "n_labels", "supervised", "unsupervised", "baseline_loss"),
    "classifier": ("train_error", "loss", "lr"),
}
PREVIEWED = {  # arrays of the preview a check may count dimensions of
    "vae": ("kl_per_dim",),
}


def readable(family: str) -> dict[str, str]:
    """name -> RECORD or PREVIEW: everything a check on a run of `family` may read."""
    names = {k: RECORD for k in (*EVERY_RUN, *FAMILIES[family].metrics, *RECORDED.get(family, ()))}
    names.update({k: PREVIEW for k in PREVIEWED.get(family, ())})
    return names
