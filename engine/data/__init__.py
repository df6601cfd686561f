"""Datasets by name: the 2D toys, the embedded digits, the torchvision sets and image folders.

    load_dataset("ring8") -> Toy2D            load_dataset("digits") -> ImageDataset
"""

from __future__ import annotations

from engine.data.errors import BadInput, DataUnavailable
from engine.data.folder import image_folder
from engine.data.images import (ImageDataset, cifar10, cifar_available, digits, idx_available, image_dataset_from_state,
                                mnist_like)
from engine.data.points_csv import parse_points_csv
from engine.data.toy2d import TOYS, Toy2D, toy_from_clicks, toy_from_points, toy_from_state

DATASETS: dict[str, dict] = {
    "ring8": {"kind": "2d", "description": "8 Gaussians on a circle (the unrolled-GAN benchmark)"},
    "grid25": {"kind": "2d", "description": "5x5 grid of Gaussians"},
    "spiral": {"kind": "2d", "description": "a noisy spiral (12 modes along its length for the metrics)"},
    "moons": {"kind": "2d", "description": "two interleaved half circles (8 modes along them)"},
    "digits": {"kind": "image", "description": "scikit-learn's 8x8 handwritten digits, 1,797 images (embedded)"},
    "mnist": {"kind": "image", "description": "28x28 handwritten digits (torchvision; or local IDX files)"},
    "fashion_mnist": {"kind": "image", "description": "28x28 clothing images (torchvision; or local IDX files)"},
    "cifar10": {"kind": "image", "description": "32x32 colour photos, 10 classes (torchvision)"},
    "folder:PATH": {"kind": "image", "description": "your own images, labelled by sub-folder (64x64)"},
}


def is_2d_dataset(name: str) -> bool:
    """True for the 2D toys and a drawn or uploaded distribution; False for every image dataset."""
    return name in TOYS or name == "custom"


def load_dataset(name: str, *, data_root: str = "", noise: float = 1.0, image_size: int | None = None,
                 download: bool = True) -> Toy2D | ImageDataset:
    if name in TOYS:
        return TOYS[name](noise)
    if name == "digits":
        return digits()
    if name in ("mnist", "fashion_mnist"):
        return mnist_like(name, data_root, download)
    if name == "cifar10":
        return cifar10(data_root, download)
    if name.startswith("folder:"):
        return image_folder(name[len("folder:"):], image_size or 64)
    if name.startswith("upload:"):
        raise BadInput(f"'{name}' is a dataset uploaded in a browser session: it cannot be loaded by name (open a "
                       "run saved with it: its checkpoint holds the pictures)")
    raise BadInput(f"unknown dataset '{name}'. Known datasets: {', '.join(DATASETS)}")


def dataset_from_state(state: dict) -> Toy2D | ImageDataset:
    """A drawn, typed or uploaded dataset from what a checkpoint kept of it (`state()`)."""
    if state.get("kind") == "upload":
        return image_dataset_from_state(state)
    return toy_from_state(state)


def list_datasets(data_root: str = "") -> list[dict]:
    offline = {"mnist": idx_available("mnist", data_root), "fashion_mnist": idx_available("fashion_mnist", data_root),
               "cifar10": cifar_available(data_root)}
    return [{"name": name, "kind": info["kind"], "offline": offline.get(name, True), "description": info["description"]}
            for name, info in DATASETS.items()]


def format_dataset_table(rows: list[dict]) -> str:
    width = max(len(r["name"]) for r in rows)
    lines = [f"{'name':<{width}}  kind   offline  description"]
    for r in rows:
        lines.append(f"{r['name']:<{width}}  {r['kind']:<5}  {'yes' if r['offline'] else 'no':<7}  {r['description']}")
    lines.append("offline = usable now without network; set GENLAB_DATA_ROOT or --set data_root=DIR for local files.")
    return "\n".join(lines)


__all__ = ["load_dataset", "dataset_from_state", "is_2d_dataset", "list_datasets", "format_dataset_table", "DATASETS", "Toy2D",
           "ImageDataset", "DataUnavailable", "BadInput", "parse_points_csv", "toy_from_points", "toy_from_clicks",
           "toy_from_state"]
