"""Datasets a user uploads from their own machine: a zip of class sub-folders (labels from the folder names) or loose
pictures (unlabelled). Everything is read in memory: nothing is written anywhere, so nothing can land outside a
temporary place, and the dataset lives in the browser session (and in the checkpoints of runs that used it:
`ImageDataset.state` / `image_dataset_from_state`, so a saved run reloads anywhere).

A zip is checked entry by entry before anything is read: an absolute path or a `..` component (an entry that
would escape its folder), a symbolic link, more entries than GENLAB_MAX_IMAGES, more declared bytes than
GENLAB_MAX_DATASET_BYTES; each entry is then read through a bounded reader, so a zip bomb (a small file whose
entries inflate to gigabytes, whatever their headers say) stops at the limit. The pictures then go through the
limits of engine/data/image_files.py (pixels per picture and in all, empty, unreadable and non-image files).
"""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from pathlib import PurePosixPath

from engine.data import image_files
from engine.data.errors import BadInput
from engine.data.image_files import Limits, Source
from engine.data.images import ImageDataset

SIZES = (8, 16, 28, 32, 64)  # the side of the uploaded pictures once resized
MODES = {"greyscale": "L", "colour": "RGB"}
PREFIX = "upload:"


def dataset_from_upload(files: list[tuple[str, bytes]], size: int = 28, colour: str = "greyscale",
                        limits: Limits | None = None) -> ImageDataset:
    """`files`: (file name, content) pairs as uploaded: one zip, or loose pictures. The dataset is named
    "upload:<first file name>-<fingerprint>", so two different uploads never share a judge or a name."""
    limits = limits or Limits.current()
    if not files:
        raise BadInput("nothing was uploaded: choose a zip of class folders or some pictures")
    if size not in SIZES:
        raise BadInput(f"size {size} is not one of {', '.join(map(str, SIZES))}")
    if colour not in MODES:
        raise BadInput(f"colour must be one of {', '.join(MODES)}, got {colour!r}")
    zips = [(name, data) for name, data in files if name.lower().endswith(".zip")]
    if zips and len(files) > 1:
        raise BadInput("upload either one zip or loose pictures, not both (or several zips)")
    fingerprint = hashlib.sha1(b"".join(hashlib.sha1(d).digest() for _, d in files)).hexdigest()[:8]
    name = f"{PREFIX}{files[0][0]}-{fingerprint}"
    if zips:
        sources = zip_sources(zips[0][0], zips[0][1], limits)
    else:
        sources = [_loose(file_name, data, limits) for file_name, data in files]
    dataset = image_files.build_dataset(name, sources, size, MODES[colour], limits, labelled=bool(zips),
                                        per_class=limits.per_class)
    dataset.origin = "upload"  # kept in the checkpoints of the runs that use it (ImageDataset.state)
    return dataset


def _loose(name: str, data: bytes, limits: Limits) -> Source:
    if len(data) > limits.file_bytes:
        raise BadInput(f"{name} is larger than {limits.file_bytes:,} bytes (GENLAB_MAX_IMAGE_BYTES)")
    return Source(name, "", len(data), lambda d=data: io.BytesIO(d))


def zip_sources(zip_name: str, data: bytes, limits: Limits) -> list[Source]:
    """The pictures of a zip, each read (bounded) into memory and labelled by its class folder."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise BadInput(f"{zip_name} is not a zip file this tool can read ({type(err).__name__})") from None
    files = [e for e in entries if not e.is_dir()]
    if len(files) > limits.files:
        raise BadInput(f"{zip_name} holds {len(files):,} files, more than the limit of {limits.files:,} "
                       "(GENLAB_MAX_IMAGES)")
    for entry in files:
        _check_entry(zip_name, entry)
    if sum(e.file_size for e in files) > limits.total_bytes:
        raise BadInput(f"{zip_name} unpacks to more than {limits.total_bytes:,} bytes (GENLAB_MAX_DATASET_BYTES)")
    pictures = [e for e in files if image_files.is_picture_name(e.filename)
                and not PurePosixPath(e.filename).name.startswith(".") and "__MACOSX" not in e.filename]
    if not pictures:
        raise BadInput(f"{zip_name} holds no pictures ({', '.join(sorted(image_files.EXTENSIONS))})")
    parts = [PurePosixPath(e.filename).parts for e in pictures]
    common = 1 if len({p[0] for p in parts}) == 1 and all(len(p) > 2 for p in parts) else 0  # one wrapping folder
    sources, total = [], 0
    for entry, path in zip(pictures, parts):
        content = _read_bounded(archive, entry, zip_name, limits.file_bytes)
        total += len(content)
        if total > limits.total_bytes:
            raise BadInput(f"{zip_name} unpacks to more than {limits.total_bytes:,} bytes "
                           "(GENLAB_MAX_DATASET_BYTES): a zip bomb?")
        inner = path[common:]
        label = inner[0] if len(inner) > 1 else ""
        sources.append(Source(entry.filename, label, len(content), lambda c=content: io.BytesIO(c)))
    return sources


def _check_entry(zip_name: str, entry: zipfile.ZipInfo) -> None:
    name = entry.filename
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":"):
        raise BadInput(f"{zip_name}: the entry '{name}' would land outside its folder (an absolute path or '..'): "
                       "the zip is refused")
    if stat.S_ISLNK(entry.external_attr >> 16):
        raise BadInput(f"{zip_name}: the entry '{name}' is a symbolic link: the zip is refused")


def _read_bounded(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, zip_name: str, limit: int) -> bytes:
    """An entry's bytes, never more than `limit` + 1 read whatever its header says."""
    try:
        with archive.open(entry) as f:
            content = f.read(limit + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as err:
        raise BadInput(f"{zip_name}: the entry '{entry.filename}' cannot be read ({type(err).__name__}: {err})") \
            from None
    if len(content) > limit:
        raise BadInput(f"{zip_name}: the entry '{entry.filename}' unpacks to more than {limit:,} bytes "
                       "(GENLAB_MAX_IMAGE_BYTES): a zip bomb?")
    return content

