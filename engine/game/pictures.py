"""Pictures a person can judge: small images (8x8 digits, 28x28 MNIST) enlarged by whole pixels (nearest neighbour,
no blur a model could be blamed for), and the noise mask that follows an image in the timed mode."""

from __future__ import annotations

import numpy as np

from engine.pictures.images import png_bytes

SIZE = 280  # pixels on screen: 8x8 -> 35x, 28x28 -> 10x, 32x32 -> 8x


def enlarge(image: np.ndarray, size: int = SIZE) -> np.ndarray:
    """uint8 (C, H, W) -> (H k, W k, C), each pixel a k x k block, k = size // max(H, W) (at least 1)."""
    k = max(1, size // max(image.shape[1:]))
    return np.ascontiguousarray(image.transpose(1, 2, 0)).repeat(k, axis=0).repeat(k, axis=1)  # (C,H,W)->(H,W,C)


def png(image: np.ndarray, size: int = SIZE) -> bytes:
    """The PNG of `enlarge(image, size)`."""
    return png_bytes(enlarge(image, size))


def mask(shape: tuple[int, ...], seed: int, size: int = SIZE) -> bytes:
    """A PNG of uniform noise pixels of an image's shape (C, H, W), enlarged like the images: shown right after the
    exposure so the image does not linger on the retina (a backward mask)."""
    noise = np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)
    return png(noise, size)
