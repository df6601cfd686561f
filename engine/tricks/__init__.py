"""One small module per trick, each with its paper's equation; the trainers add them with explicit weights."""

from engine.tricks.feature_matching import feature_matching_loss
from engine.tricks.gradient_penalty import gradient_penalty
from engine.tricks.historical_averaging import HistoricalAverage
from engine.tricks.instance_noise import add_instance_noise, annealed_sigma
from engine.tricks.label_smoothing import smoothed_targets
from engine.tricks.losses import LOSSES, discriminator_loss, generator_loss, smoothing_applies
from engine.tricks.minibatch_discrimination import MinibatchDiscrimination, minibatch_features_against
from engine.tricks.spectral_norm import apply_spectral_norm
from engine.tricks.weight_clipping import clip_weights

__all__ = ["LOSSES", "discriminator_loss", "generator_loss", "smoothing_applies", "gradient_penalty",
           "smoothed_targets", "MinibatchDiscrimination", "minibatch_features_against", "feature_matching_loss",
           "HistoricalAverage", "annealed_sigma", "add_instance_noise", "apply_spectral_norm", "clip_weights"]
