r"""Restart of dead codes from encoder outputs (Dhariwal et al. 2020, Jukebox, arXiv:2005.00341, sec. 3.3 "random
restarts": a codebook vector whose use falls below a threshold is reset to one of the encoder outputs of the current
batch; SoundStream, arXiv:2107.03312, sec. 3.3, does the same for a code "not assigned any input frame for several
batches"). Codebook collapse, where a few codes take every position and the rest are never chosen again (their
vectors drift away from the encoder's outputs, so nothing ever picks them), is undone that way: a restarted code
sits on a real encoder output, so it is at once some vector's nearest code.

Here a code is dead when it has not been chosen for `after` steps since it was last chosen or (re)initialised:

    dead_i  <=>  step - max(last_used_i, since_i) >= after

and each dead code gets a different vector z_e of the batch, drawn at random.
"""

from __future__ import annotations

import torch

from engine.families.vqvae.quantizer import VectorQuantizer


def dead_codes(quantizer: VectorQuantizer, step: int, after: int) -> torch.Tensor:
    """Indices of the codes unchosen for `after` steps."""
    return torch.nonzero(step - torch.maximum(quantizer.last_used, quantizer.since) >= after).flatten()


@torch.no_grad()
def restart_dead(quantizer: VectorQuantizer, z_e: torch.Tensor, step: int, after: int,
                 generator: torch.Generator) -> int:
    """Move every dead code onto an encoder output of the batch's maps z_e (B, D, h, w) (distinct outputs while the
    batch has enough); returns how many were restarted."""
    dead = dead_codes(quantizer, step, after)
    if len(dead) == 0:
        return 0
    z = z_e.detach().permute(0, 2, 3, 1).reshape(-1, quantizer.dim)  # (B, D, h, w) -> (B*h*w, D)
    n = len(z)
    picks = (torch.randperm(n, generator=generator)[:len(dead)] if n >= len(dead)
             else torch.randint(0, n, (len(dead),), generator=generator))
    quantizer.set_codes(dead, z[picks.to(z.device)], step)
    return len(dead)
