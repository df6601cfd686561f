r"""What a PixelCNN predicts for each colour value of each pixel: the three output distributions.

- `binary`: one logit, p(x = 1) = sigmoid(l) (binarised images).
- `categorical`: 256 logits, p(x = v) = softmax(l)_v (van den Oord et al. 2016, sec. 5.1: "a 256-way softmax").
- `logistic_mixture`: the discretized mixture of logistics of PixelCNN++ (Salimans et al. 2017, arXiv:1701.05517,
  eq. 2), with the 256 values v mapped to x = v / 127.5 - 1 in [-1, 1] and bins of half-width 1/255:

      P(x | pi, mu, s) = sum_k pi_k [sigmoid((x + 1/255 - mu_k) / s_k) - sigmoid((x - 1/255 - mu_k) / s_k)]

  with the edge bins reaching to -inf (v = 0) and +inf (v = 255), so the 256 probabilities sum to 1 exactly.
  NOTE: PixelCNN++ predicts R, G, B of a pixel jointly with linear dependencies between their means; here the
  network itself is autoregressive over colours (masked channel groups), so each colour has its own mixture.
- `codes`: the categorical over K code indices of a VQ-VAE's codebook (its prior, engine/families/vqvae/prior.py):
  K logits, p(k) = softmax(l)_k; the input is the index itself, which the network embeds (`codes` of
  engine/models/pixelcnn.py).

Parameters arrive as (..., P) for one colour: P = 1, 256, 3K (K mixture logits, K means, K log-scales) or K codes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

OUTPUTS = ("binary", "categorical", "logistic_mixture")  # over pixel values
CODES = "codes"  # over code indices
LOG_SCALE_MIN = -7.0  # PixelCNN++'s floor on log s: keeps 1/s finite
LOG_SCALE_MAX = 7.0  # and a ceiling: keeps a bin's width / s above ~1e-5, so log(1 - e^-(width/s)) stays finite


def levels(output: str) -> int:
    """How many values a colour channel takes."""
    return 2 if output == "binary" else 256


def params_per_channel(output: str, n_mix: int = 5) -> int:
    return {"binary": 1, "categorical": 256, "logistic_mixture": 3 * n_mix}[output]


def to_input(values: torch.Tensor, output: str) -> torch.Tensor:
    """Integer values (0/1 or 0..255) -> the network's input in [-1, 1]; code indices stay indices (as floats)."""
    if output == CODES:
        return values.float()
    top = levels(output) - 1
    return values.float() * (2.0 / top) - 1.0


def from_images(images: torch.Tensor, output: str) -> torch.Tensor:
    """Images in [-1, 1] -> integer values 0..255 (for `binary`: images already binarised to -1/+1 -> 0/1)."""
    top = levels(output) - 1
    return ((images.clamp(-1, 1) + 1) * (top / 2)).round().long()


def _log_sigmoid_difference(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""log(sigmoid(a) - sigmoid(b)) for a > b, without cancellation:
    sigmoid(a) - sigmoid(b) = sigmoid(a) sigmoid(-b) (1 - e^{b - a})."""
    return F.logsigmoid(a) + F.logsigmoid(-b) + torch.log(-torch.expm1(b - a))


def _logistic_bins(params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log P(x) for values x in [-1, 1] (broadcast against params' leading dims); params (..., 3K)."""
    logit_pi, mu, log_s = params.chunk(3, dim=-1)  # each (..., K)
    log_s = log_s.clamp(LOG_SCALE_MIN, LOG_SCALE_MAX)
    inv_s = torch.exp(-log_s)
    x = x.unsqueeze(-1)  # (..., 1) against (..., K)
    upper = (x + 1 / 255 - mu) * inv_s
    lower = (x - 1 / 255 - mu) * inv_s
    middle = _log_sigmoid_difference(upper, lower)
    log_p = torch.where(x < -0.999, F.logsigmoid(upper), torch.where(x > 0.999, F.logsigmoid(-lower), middle))
    return torch.logsumexp(log_p + F.log_softmax(logit_pi, dim=-1), dim=-1)


def log_prob(params: torch.Tensor, values: torch.Tensor, output: str) -> torch.Tensor:
    """log p(value) per colour channel: params (B, C, P, H, W), values integer (B, C, H, W) -> (B, C, H, W)."""
    if output == "binary":
        return -F.binary_cross_entropy_with_logits(params[:, :, 0], values.float(), reduction="none")
    if output in ("categorical", CODES):
        return F.log_softmax(params, dim=2).gather(2, values.unsqueeze(2)).squeeze(2)
    if output == "logistic_mixture":
        return _logistic_bins(params.movedim(2, -1), to_input(values, output))
    raise ValueError(f"unknown output '{output}': expected one of {', '.join(OUTPUTS)}")


def log_probs_all(params: torch.Tensor, output: str) -> torch.Tensor:
    """log p(v) for every value v: params (N, P) for N colour channels -> (N, levels)."""
    if output == "binary":
        return torch.stack([F.logsigmoid(-params[:, 0]), F.logsigmoid(params[:, 0])], dim=1)
    if output in ("categorical", CODES):
        return F.log_softmax(params, dim=1)
    x = to_input(torch.arange(256, device=params.device), output)  # (256,)
    return _logistic_bins(params[:, None, :], x[None, :])  # (N, 256)


def check_temperature(temperature: float) -> None:
    if not temperature > 0:
        raise ValueError(f"temperature must be greater than 0, got {temperature}: 1 samples the model as "
                         "trained, lower values are more conservative")


def probabilities(params: torch.Tensor, output: str, temperature: float = 1.0) -> torch.Tensor:
    """The distribution a sampler draws from: p(v)^(1/T), renormalised; (N, P) -> (N, levels).
    T < 1 sharpens it (more likely values, less variety), T > 1 flattens it."""
    check_temperature(temperature)
    return torch.softmax(log_probs_all(params, output) / temperature, dim=1)
