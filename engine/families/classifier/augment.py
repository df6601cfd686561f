r"""Data augmentation of a batch of training images, and test-time augmentation (TTA).

Every function takes and returns float images in [-1, 1] of shape (N, C, H, W) (the same shape), and draws its
randomness from the torch `generator` it is given, so a seeded stream reproduces it exactly.

- `random_flip`: each image mirrored left-right with probability 1/2.
- `pad_crop`: padded by `padding` pixels, then a random H x W crop (the CIFAR recipe of He et al. 2016,
  arXiv:1512.03385, Sec. 4.2: "4 pixels are padded on each side, and a 32x32 crop is randomly sampled").
- `auto_augment`: torchvision's learned or random policies, applied per image: AutoAugment (Cubuk et al. 2019,
  arXiv:1805.09501; the ImageNet, CIFAR-10 and SVHN policies), RandAugment (Cubuk et al. 2020, arXiv:1909.13719) and
  TrivialAugment (Muller & Hutter 2021, arXiv:2103.10158).
- `tta_logits`: averages the model's class probabilities over FiveCrop / TenCrop views (Krizhevsky et al. 2012,
  Sec. 4.1: "the network makes a prediction by extracting five 224x224 patches (the four corner patches and the
  center patch) as well as their horizontal reflections ... and averaging the predictions").
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

from engine.trainer import seeded

POLICIES = ("none", "autoaugment_imagenet", "autoaugment_cifar10", "autoaugment_svhn", "randaugment",
            "trivialaugment")
TTA_MODES = ("none", "five_crop", "ten_crop")
BLACK = -1.0  # the padding: 0 of a uint8 image, as torchvision's RandomCrop(padding=...) fills by default


def random_flip(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each image mirrored left-right (last axis) with probability 1/2."""
    flip = (torch.rand(len(x), generator=generator) < 0.5).to(x.device)
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def pad_crop(x: torch.Tensor, padding: int, generator: torch.Generator, mode: str = "constant") -> torch.Tensor:
    """Pad by `padding` on each side (mode "constant": black, or "reflect"), then crop each image back to H x W at
    an offset drawn uniformly from 0..2 padding in each direction."""
    if padding <= 0:
        return x
    n, c, h, w = x.shape
    padded = F.pad(x, (padding,) * 4, mode=mode, value=BLACK if mode == "constant" else None)
    oy = torch.randint(0, 2 * padding + 1, (n, 1), generator=generator).to(x.device)
    ox = torch.randint(0, 2 * padding + 1, (n, 1), generator=generator).to(x.device)
    rows = oy + torch.arange(h, device=x.device)  # (N, H)
    cols = ox + torch.arange(w, device=x.device)  # (N, W)
    batch = torch.arange(n, device=x.device)[:, None, None]
    crops = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (N, H, W, C)
    # NOTE: with C = 1, `.contiguous()` would keep the channels-last strides of the permute (a size-1 dimension makes
    # them count as contiguous); convolutions fed such a batch from a run's thread corrupted the heap (torch 2.x,
    # CPU). A copy in the standard layout avoids it.
    return crops.permute(0, 3, 1, 2).clone(memory_format=torch.contiguous_format)  # (N, H, W, C) -> (N, C, H, W)


def policy_transform(policy: str) -> v2.Transform | None:
    """The torchvision transform of a policy name (None for "none")."""
    if policy == "none":
        return None
    if policy == "autoaugment_imagenet":
        return v2.AutoAugment(v2.AutoAugmentPolicy.IMAGENET)
    if policy == "autoaugment_cifar10":
        return v2.AutoAugment(v2.AutoAugmentPolicy.CIFAR10)
    if policy == "autoaugment_svhn":
        return v2.AutoAugment(v2.AutoAugmentPolicy.SVHN)
    if policy == "randaugment":
        return v2.RandAugment()
    if policy == "trivialaugment":
        return v2.TrivialAugmentWide()
    raise ValueError(f"unknown augmentation policy {policy!r}; known: {', '.join(POLICIES)}")


def auto_augment(x: torch.Tensor, policy: str, generator: torch.Generator) -> torch.Tensor:
    """The policy applied to each image on its own (each draws its own operations), on uint8 images on the CPU.

    torchvision's transforms draw from torch's global generator; they run inside `torch.random.fork_rng` seeded with
    a number drawn from `generator`, so the result is reproducible and the global generator is left untouched.
    NOTE: the images are rounded to uint8 and back (the policies' operations are defined on 8-bit images)."""
    transform = policy_transform(policy)
    if transform is None:
        return x
    images = ((x.detach().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    with seeded(seed, torch.device("cpu")):
        out = torch.stack([transform(image) for image in images])
    return (out.float() / 127.5 - 1).to(x.device)


def tta_logits(model, x: torch.Tensor, mode: str = "none", padding: int = 1) -> torch.Tensor:
    """Log of the class probabilities averaged over test-time views: mode "none" (the image itself: the model's
    log_softmax), "five_crop" (the four corners and the centre of the image padded by `padding`, black) or
    "ten_crop" (those five and their mirror images). `padding` below 1 is raised to 1 (with no padding all five
    crops would be the image itself); the centre crop is the image. Call `model.eval()` (and no_grad) first."""
    if mode not in TTA_MODES:
        raise ValueError(f"unknown test-time augmentation {mode!r}; known: {', '.join(TTA_MODES)}")
    if mode == "none":
        return F.log_softmax(model(x), dim=1)
    p = max(1, int(padding))
    h, w = x.shape[-2:]
    padded = F.pad(x, (p,) * 4, value=BLACK)
    views = TF.five_crop(padded, [h, w]) if mode == "five_crop" else TF.ten_crop(padded, [h, w])
    logits = model(torch.cat(views))  # (V * N, C, H, W) -> (V * N, K)
    log_probs = F.log_softmax(logits, dim=1).view(len(views), len(x), -1)  # (V * N, K) -> (V, N, K)
    return torch.logsumexp(log_probs, 0) - math.log(len(views))
