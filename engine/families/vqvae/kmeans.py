r"""k-means initialisation of a codebook from the first batch (Zeghidour et al. 2021, SoundStream,
arXiv:2107.03312, sec. 3.3: "instead of using a random initialization for the codebook vectors, we run the k-means
algorithm on the first training batch and use the learned centroids as initialization"): the codes start where the
encoder's outputs are, so none starts dead far from them.

Lloyd's algorithm on the batch's vectors z_n: assign each to its nearest centre, move each centre to the mean of
its vectors,

    c_j <- mean { z_n : argmin_i ||z_n - c_i||^2 = j }

a few times. It starts from k-means++ seeds (Arthur & Vassilvitskii 2007): the first centre a random vector, each
next one a vector drawn with probability proportional to its squared distance to the nearest centre so far, so
the seeds spread over the clusters. A centre that loses all its vectors stays where it is.
"""

from __future__ import annotations

import torch

from engine.families.vqvae.quantizer import nearest

ITERATIONS = 10


def seeds(z: torch.Tensor, k: int, generator: torch.Generator) -> torch.Tensor:
    """k-means++: k rows of z (n, D), each drawn with probability proportional to D(z)^2 (uniformly while every
    vector sits on a centre already, as when there are fewer distinct vectors than centres)."""
    first = torch.randint(0, len(z), (1,), generator=generator)
    centres = [z[first.to(z.device)]]
    d2 = (z - centres[0]).pow(2).sum(1)
    for _ in range(k - 1):
        weights = d2.cpu().double() if float(d2.sum()) > 0 else torch.ones(len(z), dtype=torch.double)
        pick = torch.multinomial(weights, 1, generator=generator)
        centres.append(z[pick.to(z.device)])
        d2 = torch.minimum(d2, (z - centres[-1]).pow(2).sum(1))
    return torch.cat(centres)


def kmeans(z: torch.Tensor, k: int, generator: torch.Generator, iterations: int = ITERATIONS) -> torch.Tensor:
    """k centres (k, D) of the vectors z (n, D)."""
    centres = seeds(z, k, generator)
    for _ in range(iterations):
        assigned = nearest(z, centres)
        sizes = torch.bincount(assigned, minlength=k).to(z.dtype)
        sums = torch.zeros_like(centres).index_add_(0, assigned, z)
        moved = sizes > 0
        centres[moved] = sums[moved] / sizes[moved, None]
    return centres
