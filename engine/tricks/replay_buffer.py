r"""A replay buffer of past fakes for the discriminator (Shrivastava et al. 2017, arXiv:1612.07828, Sec. 2.3).

The discriminator sees a batch of fakes in which a fraction is drawn from earlier generators, so it keeps rejecting
what the generator produced before and the two players do not chase each other around the same few modes:

$$\tilde{x}_{\text{fake}} = [\,G(z)_{1..n(1-f)},\; \text{buffer}_{1..nf}\,],\qquad
\text{buffer} \leftarrow \text{buffer with random slots replaced by } G(z)$$

Storage is a fixed tensor of `size` examples, filled first, then overwritten at random slots.
"""

from __future__ import annotations

import torch


class ReplayBuffer:
    def __init__(self, size: int, fraction: float = 0.5):
        if size < 1:
            raise ValueError("replay buffer size must be at least 1")
        self.size, self.fraction = size, fraction
        self.items: torch.Tensor | None = None
        self.labels: torch.Tensor | None = None
        self.count = 0

    def mix(self, fake: torch.Tensor, generator: torch.Generator,
            labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The batch the discriminator sees (detached fakes with `fraction` of them from the buffer), then store."""
        fake = fake.detach()
        n = fake.shape[0]
        out, out_labels = fake, labels
        k = min(int(round(n * self.fraction)), self.count)
        if k > 0:
            take = torch.randint(0, self.count, (k,), generator=generator).to(fake.device)
            out = torch.cat([fake[: n - k], self.items[take]])
            if labels is not None:
                out_labels = torch.cat([labels[: n - k], self.labels[take]])
        self._store(fake, labels, generator)
        return out, out_labels

    def _store(self, fake: torch.Tensor, labels: torch.Tensor | None, generator: torch.Generator) -> None:
        if self.items is None:
            self.items = fake.new_zeros((self.size, *fake.shape[1:]))
            if labels is not None:
                self.labels = labels.new_zeros(self.size)
        free = min(self.size - self.count, fake.shape[0])
        slots = torch.arange(self.count, self.count + free)
        if free < fake.shape[0]:  # full: overwrite random slots
            extra = torch.randint(0, self.size, (fake.shape[0] - free,), generator=generator)
            slots = torch.cat([slots, extra])
        slots = slots.to(fake.device)
        self.items[slots] = fake
        if labels is not None:
            self.labels[slots] = labels
        self.count = min(self.size, self.count + free)

    def state_dict(self) -> dict:
        copy = lambda t: None if t is None else t.detach().clone()  # noqa: E731  (a snapshot, not a view)
        return {"items": copy(self.items), "labels": copy(self.labels), "count": self.count}

    def load_state_dict(self, state: dict) -> None:
        self.items, self.labels, self.count = state["items"], state["labels"], int(state["count"])
