"""Image datasets: scikit-learn's 8x8 digits (embedded, the offline default) and the torchvision sets.

Every image dataset is held in memory as float tensors in [-1, 1], shape (N, C, H, W), with a held-out split.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.data.errors import BadInput, DataUnavailable

TEST_ONLY_SPLIT = 8000  # MNIST test split only: first 8,000 to train, last 2,000 held out


@dataclass
class ImageDataset:
    name: str
    train: torch.Tensor
    train_labels: torch.Tensor | None
    heldout: torch.Tensor
    heldout_labels: torch.Tensor | None
    num_classes: int = 0
    class_names: list[str] = field(default_factory=list)
    note: str = ""
    skipped: int = 0
    origin: str = ""  # "upload": pictures a user uploaded, which only the run's checkpoint can bring back

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.train.shape[1:])

    def state(self) -> dict | None:
        """What a checkpoint keeps of a dataset that cannot be loaded by name (an upload): its pictures as uint8
        and its labels; None for the others."""
        if self.origin != "upload":
            return None

        def uint8(x: torch.Tensor) -> torch.Tensor:
            return ((x + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)

        return {"kind": "upload", "name": self.name, "train": uint8(self.train), "heldout": uint8(self.heldout),
                "train_labels": self.train_labels, "heldout_labels": self.heldout_labels,
                "class_names": list(self.class_names), "note": self.note}


def image_dataset_from_state(state: dict) -> ImageDataset:
    """The dataset `ImageDataset.state` kept."""
    names = list(state["class_names"])
    return ImageDataset(state["name"], state["train"].float() / 127.5 - 1, state["train_labels"],
                        state["heldout"].float() / 127.5 - 1, state["heldout_labels"], len(names), names,
                        state.get("note", ""), origin="upload")


def _to_unit(images: np.ndarray, top: float) -> torch.Tensor:
    return torch.as_tensor(images.astype(np.float32) / top * 2 - 1)


def digits() -> ImageDataset:
    """1,797 handwritten 8x8 digits (values 0..16) from scikit-learn; 1,497 train, 300 held out (fixed shuffle)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    order = np.random.RandomState(0).permutation(len(d.images))
    x = _to_unit(d.images[order][:, None], 16.0)  # (N, 8, 8) -> (N, 1, 8, 8)
    y = torch.as_tensor(d.target[order], dtype=torch.long)
    return ImageDataset("digits", x[:1497], y[:1497], x[1497:], y[1497:], 10, [str(i) for i in range(10)])


# --------------------------------------------------------------------------- MNIST-like (IDX files)
IDX = {"mnist": ("MNIST", [str(i) for i in range(10)]),
       "fashion_mnist": ("FashionMNIST", ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                          "Sneaker", "Bag", "Ankle boot"])}


MAX_IDX_BYTES = 2**30  # one IDX file's data at most (MNIST's train images are 47 MB): GENLAB_MAX_IDX_BYTES
IDX_CHUNK = 2**22


def read_idx(path: Path, max_bytes: int | None = None) -> np.ndarray:
    """The IDX format of LeCun's MNIST files (gzip or not): 0, 0, type 0x08 (unsigned bytes), the number of
    dimensions, each dimension as a big-endian uint32, then the data. No header is trusted: the data read is bounded
    by `max_bytes` (default GENLAB_MAX_IDX_BYTES or 1 GiB) and must fill the header's dimensions exactly; anything
    else is a BadInput naming the file."""
    limit = max_bytes or int(os.environ.get("GENLAB_MAX_IDX_BYTES", MAX_IDX_BYTES))
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            magic = f.read(4)
            if len(magic) < 4 or magic[:2] != b"\x00\x00" or not 1 <= magic[3] <= 4:
                raise BadInput(f"{path} is not an IDX file: it starts with {magic.hex() or 'nothing'}, not "
                               "00 00 08 0N")
            if magic[2] != 0x08:
                raise BadInput(f"{path}: IDX data type 0x{magic[2]:02x} is not unsigned bytes (0x08)")
            ndim = magic[3]
            raw = f.read(4 * ndim)
            if len(raw) < 4 * ndim:
                raise BadInput(f"{path} is truncated inside its header")
            dims = [int.from_bytes(raw[4 * i: 4 * i + 4], "big") for i in range(ndim)]
            expected = int(np.prod(dims, dtype=np.int64))
            if expected > limit:
                raise BadInput(f"{path}: the header claims {' x '.join(f'{d:,}' for d in dims)} = {expected:,} bytes, "
                               f"more than the limit of {limit:,} (GENLAB_MAX_IDX_BYTES)")
            data = bytearray()
            while len(data) < expected:  # read what is there, never what the header promises
                chunk = f.read(min(IDX_CHUNK, expected - len(data)))
                if not chunk:
                    break
                data += chunk
            if len(data) < expected:
                raise BadInput(f"{path} is truncated: its header claims {' x '.join(f'{d:,}' for d in dims)} values "
                               f"({expected:,} bytes) but it holds {len(data):,}")
    except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
        raise BadInput(f"{path} cannot be read as an IDX file ({type(err).__name__}: {err})") from None
    return np.frombuffer(bytes(data), dtype=np.uint8).reshape(dims)


def _idx_pair(images_file: Path, labels_file: Path, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, H, W) and labels (N,) of one split, checked against each other."""
    images, labels = read_idx(images_file), read_idx(labels_file)
    if images.ndim != 3 or labels.ndim != 1:
        raise BadInput(f"{images_file} and {labels_file} must hold images (N x H x W) and labels (N); they hold "
                       f"{images.shape} and {labels.shape}")
    if len(images) != len(labels):
        raise BadInput(f"{images_file} holds {len(images):,} images but {labels_file} {len(labels):,} labels")
    if len(labels) and int(labels.max()) >= classes:
        raise BadInput(f"{labels_file} holds the label {int(labels.max())}: expected 0 to {classes - 1}")
    return images, labels


def _find(root: Path, sub: str, stem: str) -> Path | None:
    for folder in (root, root / sub / "raw", root / sub):
        for suffix in ("", ".gz"):
            path = folder / f"{stem}{suffix}"
            if path.exists():
                return path
    return None


def data_roots(data_root: str) -> list[Path]:
    roots = [data_root, os.environ.get("GENLAB_DATA_ROOT", ""), str(Path.home() / ".cache" / "genlab" / "data")]
    return [Path(r).expanduser() for r in roots if r]


def _idx_files(name: str, root: Path) -> dict[str, Path | None]:
    sub, out = IDX[name][0], {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        for kind, ndim in (("images", 3), ("labels", 1)):
            out[f"{split}_{kind}"] = _find(root, sub, f"{prefix}-{kind}-idx{ndim}-ubyte")
    return out


def idx_available(name: str, data_root: str = "") -> bool:
    return any(_idx_files(name, r)["test_images"] is not None for r in data_roots(data_root))


def mnist_like(name: str, data_root: str = "", download: bool = True) -> ImageDataset:
    classes = IDX[name][1]
    for root in data_roots(data_root):
        files = _idx_files(name, root)
        if files["test_images"] is None or files["test_labels"] is None:
            continue
        images, labels = _idx_pair(files["test_images"], files["test_labels"], len(classes))
        test_x = _to_unit(images[:, None], 255.0)  # (N, H, W) -> (N, 1, H, W)
        test_y = torch.as_tensor(labels.astype(np.int64))
        if files["train_images"] is not None and files["train_labels"] is not None:
            images, labels = _idx_pair(files["train_images"], files["train_labels"], len(classes))
            train_x = _to_unit(images[:, None], 255.0)
            train_y = torch.as_tensor(labels.astype(np.int64))
            return ImageDataset(name, train_x, train_y, test_x, test_y, 10, classes)
        if len(test_x) < 2:
            raise BadInput(f"{files['test_images']} holds {len(test_x)} image(s): at least 2 are needed (one to "
                           "train on, one held out)")
        k = min(TEST_ONLY_SPLIT, len(test_x) - max(1, len(test_x) // 5))  # 8,000 / 2,000 of the real 10,000
        note = (f"only the {name} test split was found in {root}: using its first {k:,} images to train and the "
                f"last {len(test_x) - k:,} as held-out")
        return ImageDataset(name, test_x[:k], test_y[:k], test_x[k:], test_y[k:], 10, classes, note=note)
    return _download(name, data_root, download)


def _download(name: str, data_root: str, download: bool) -> ImageDataset:
    """torchvision's download (with its progress bar) when online; otherwise a message saying how to go on.
    Downloads go to GenLab's own cache folder only: nothing is ever created at a path a user typed (`data_root` is
    read, never written)."""
    where = Path(data_roots("")[-1]).expanduser()
    how = (f"Use --dataset digits (embedded, works offline) or --set data_root=DIR with the {name} files "
           f"(for MNIST: t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz, plus the train files if you have "
           f"them).")
    if not download or os.environ.get("GENLAB_OFFLINE") == "1":
        looked = ", ".join(str(r) for r in data_roots(data_root))
        raise DataUnavailable(f"{name} is not on this machine (looked in {looked}) and downloads are off. {how}")
    import socket

    import torchvision

    cls = {"mnist": torchvision.datasets.MNIST, "fashion_mnist": torchvision.datasets.FashionMNIST,
           "cifar10": torchvision.datasets.CIFAR10}[name]
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(15)
    try:
        train = cls(str(where), train=True, download=True)
        test = cls(str(where), train=False, download=True)
    except Exception as err:  # no network, a proxy, a half-written file: all end the same way for the user
        raise DataUnavailable(f"{name} could not be downloaded ({type(err).__name__}: {err}). {how}") from None
    finally:
        socket.setdefaulttimeout(old)
    return _from_torchvision(name, train, test)


def _from_torchvision(name: str, train, test) -> ImageDataset:
    def tensors(ds):
        x = np.asarray(ds.data)
        x = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)  # (N,H,W) -> (N,1,H,W); (N,H,W,C) -> (N,C,H,W)
        return _to_unit(x, 255.0), torch.as_tensor(np.asarray(ds.targets), dtype=torch.long)

    (tx, ty), (hx, hy) = tensors(train), tensors(test)
    return ImageDataset(name, tx, ty, hx, hy, len(train.classes), list(train.classes))


def cifar10(data_root: str = "", download: bool = True) -> ImageDataset:
    import torchvision

    for root in data_roots(data_root):
        if (root / "cifar-10-batches-py" / "data_batch_1").exists():
            train = torchvision.datasets.CIFAR10(str(root), train=True, download=False)
            test = torchvision.datasets.CIFAR10(str(root), train=False, download=False)
            return _from_torchvision("cifar10", train, test)
    return _download("cifar10", data_root, download)


def cifar_available(data_root: str = "") -> bool:
    return any((r / "cifar-10-batches-py" / "data_batch_1").exists() for r in data_roots(data_root))


def binarize(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Stochastic binarisation: each pixel 1 (white) with probability its intensity, else 0 (black); returned in
    [-1, 1] (the binarised-MNIST protocol of the likelihood literature)."""
    return torch.bernoulli((images + 1) / 2, generator=generator) * 2 - 1
