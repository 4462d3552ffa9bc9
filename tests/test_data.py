"""Data sets: the shipped digits, the IDX parser, the generated sets."""

import gzip
import struct

import numpy as np
import pytest

from nnclaims.numeric.data import load_mnist, load_sklearn_digits, read_idx, separable_cloud


def test_sklearn_digits_read_without_sklearn_match_load_digits():
    from sklearn.datasets import load_digits

    ours, ref = load_sklearn_digits(), load_digits()
    X = np.concatenate([ours.X_train, ours.X_test])
    y = np.concatenate([ours.y_train, ours.y_test])
    order = np.lexsort(X.T)
    ref_order = np.lexsort((ref.data / 16.0).T)
    np.testing.assert_allclose(X[order], ref.data[ref_order] / 16.0, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(y[order], ref.target[ref_order])


def test_mnist_sample_is_real_split_and_scaled():
    d = load_mnist()
    assert d.X_train.shape == (4000, 784) and d.X_test.shape == (1000, 784)
    assert d.X_train.min() == 0.0 and d.X_train.max() == 1.0
    assert np.bincount(d.y_test).tolist() == [100] * 10  # stratified
    again = load_mnist()
    np.testing.assert_array_equal(d.y_train, again.y_train)  # a fixed, seeded split
    assert not np.array_equal(load_mnist(seed=1).X_train, d.X_train)


def _write_idx(path, array, code):
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as fh:
        fh.write(data)


def test_idx_reader_and_folder_loader(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=5, dtype=np.uint8)
    _write_idx(tmp_path / "train-images-idx3-ubyte.gz", images, 0x08)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", labels, 0x08)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", images[:2], 0x08)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels[:2], 0x08)
    np.testing.assert_array_equal(read_idx(tmp_path / "train-images-idx3-ubyte.gz"), images)
    d = load_mnist(tmp_path)
    assert d.X_train.shape == (5, 784) and d.X_test.shape == (2, 784)
    np.testing.assert_allclose(d.X_train, images.reshape(5, -1) / 255.0, rtol=1e-6)
    floats = rng.normal(size=(3, 4))
    _write_idx(tmp_path / "f.idx", floats, 0x0E)
    np.testing.assert_array_equal(read_idx(tmp_path / "f.idx"), floats)


def test_idx_reader_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01\x00")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    _write_idx(tmp_path / "short", np.zeros(10, dtype=np.uint8), 0x08)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-3])
    with pytest.raises(ValueError, match="header promises"):
        read_idx(tmp_path / "short")
    with pytest.raises(FileNotFoundError, match="official MNIST IDX"):
        load_mnist(tmp_path)


def test_clouds_are_reproducible():
    a, b = separable_cloud(50, 3, 0.1, seed=4), separable_cloud(50, 3, 0.1, seed=4)
    np.testing.assert_array_equal(a[0], b[0])
