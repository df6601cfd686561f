r"""Vector quantisation (van den Oord, Vinyals & Kavukcuoglu 2017, "Neural Discrete Representation Learning",
arXiv:1711.00937, sec. 3.1-3.2).

Each encoder output vector z_e (one per position of the code map) is replaced by its nearest codebook vector:

    z_q = e_k,   k = argmin_j ||z_e - e_j||^2                                  (eq. 1-2)

The argmin has no gradient, so the decoder's gradient is copied straight through to the encoder (sec. 3.2):

    z_q^{st} = z_e + sg[z_q - z_e]   (forward: z_q; backward: d/dz_e = d/dz_q)

and two terms train the codebook and keep the encoder near it (eq. 3):

    L = -log p(x | z_q) + ||sg[z_e] - e||^2 + beta ||z_e - sg[e]||^2

the codebook loss moves e towards z_e, the commitment loss (weight beta, 0.25 in the paper) z_e towards e.
Both are summed over the positions of a map and the dimensions of a code, like the reconstruction over pixels, so
all three are per image. Perplexity exp(-sum_k p_k log p_k) of the code histogram p counts the codes in effective
use: K when all are used equally, 1 when one code takes every position (codebook collapse).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

NEVER = -1  # `last_used` of a code that has not been chosen yet


def nearest(z: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
    """k = argmin_j ||z - e_j||^2 for each row: z (N, D), e (K, D) -> (N,) long. Computed as
    ||z||^2 - 2 z.e_j + ||e_j||^2 (one matrix product; ||z||^2 is the same for every j and left out)."""
    return (e.pow(2).sum(1)[None, :] - 2 * z @ e.t()).argmin(1)


def straight_through(z_e: torch.Tensor, z_q: torch.Tensor) -> torch.Tensor:
    """z_q in the forward pass, the identity to z_e in the backward pass: z_e + sg[z_q - z_e]."""
    return z_e + (z_q - z_e).detach()


def codebook_loss(z_e: torch.Tensor, z_q: torch.Tensor) -> torch.Tensor:
    """||sg[z_e] - e||^2 per image (maps (B, D, h, w)): trains the codebook only."""
    return (z_e.detach() - z_q).pow(2).flatten(1).sum(1)


def commitment_loss(z_e: torch.Tensor, z_q: torch.Tensor) -> torch.Tensor:
    """||z_e - sg[e]||^2 per image (maps (B, D, h, w)): trains the encoder only."""
    return (z_e - z_q.detach()).pow(2).flatten(1).sum(1)


def perplexity(counts: torch.Tensor) -> float:
    """exp of the entropy (nats) of a code histogram (K,): between 1 (one code) and K (all alike)."""
    p = counts.float() / counts.sum().clamp(min=1)
    return float(torch.exp(-(p * p.clamp(min=1e-12).log()).sum()))


@dataclass
class Quantised:
    """One level's quantisation of a batch: the encoder's maps z_e (B, D, h, w), the chosen codes' vectors z_q
    (same shape, no straight-through yet) and the indices k (B, h, w)."""

    z_e: torch.Tensor
    z_q: torch.Tensor
    k: torch.Tensor


class VectorQuantizer(nn.Module):
    """A codebook of K vectors of D dimensions and what the codebook tricks keep per code: when it was last chosen
    (`last_used`, the step; NEVER before), when it was last (re)initialised (`since`), and, for the moving-average
    codebook (engine/families/vqvae/moving_average.py), the averaged counts N and sums m. All are buffers or the one
    parameter, so they are saved with the model.

    `ema`: the codebook is the moving average's m / N (no gradient) instead of a parameter the codebook loss trains.
    NOTE: the paper does not say how the codebook starts; here uniformly in [-1/K, 1/K] (close together, so the
    first batch's encoder outputs pick among them freely), or by k-means on the first batch (`kmeans_init`,
    engine/families/vqvae/kmeans.py)."""

    def __init__(self, codes: int, dim: int, ema: bool):
        super().__init__()
        self.codes, self.dim, self.ema = codes, dim, ema
        self.embedding = nn.Parameter(torch.empty(codes, dim).uniform_(-1 / codes, 1 / codes), requires_grad=not ema)
        self.register_buffer("count", torch.ones(codes))  # N: the moving average's counts (see moving_average.py)
        self.register_buffer("total", self.embedding.detach().clone())  # m: its sums, so that m / N = e at first
        self.register_buffer("last_used", torch.full((codes,), NEVER, dtype=torch.long))
        self.register_buffer("since", torch.zeros(codes, dtype=torch.long))
        self.register_buffer("initialised", torch.tensor(False))  # k-means done (or not wanted)

    def forward(self, z_e: torch.Tensor) -> Quantised:
        """Nearest codes of maps z_e (B, D, h, w)."""
        b, d, h, w = z_e.shape
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, d)  # (B, D, h, w) -> (B*h*w, D)
        k = nearest(flat, self.embedding)
        return Quantised(z_e, self.lookup(k.view(b, h, w)), k.view(b, h, w))

    def lookup(self, k: torch.Tensor) -> torch.Tensor:
        """Code indices (B, h, w) -> their vectors (B, D, h, w)."""
        return self.embedding[k].permute(0, 3, 1, 2)  # (B, h, w, D) -> (B, D, h, w)

    def counts(self, k: torch.Tensor) -> torch.Tensor:
        """How often each code appears in indices k (any shape): (K,)."""
        return torch.bincount(k.flatten(), minlength=self.codes)

    @torch.no_grad()
    def mark_used(self, k: torch.Tensor, step: int) -> None:
        self.last_used[self.counts(k) > 0] = step

    def used_within(self, step: int, steps: int) -> torch.Tensor:
        """bool (K,): the codes chosen at least once in the last `steps` steps up to `step`."""
        return (self.last_used != NEVER) & (self.last_used > step - steps)

    @torch.no_grad()
    def set_codes(self, which: torch.Tensor, vectors: torch.Tensor, step: int) -> None:
        """Put `vectors` (n, D) into the codes `which` (n,) and start their clocks: the moving average counts each as
        one vector at its new place (N = 1, m = e), so the next update moves it from there."""
        self.embedding[which] = vectors
        self.count[which] = 1.0
        self.total[which] = vectors
        self.since[which] = step
