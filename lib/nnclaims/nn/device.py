"""Choosing the device and pinning torch's threads.

Torch's CPU results change with its thread count (reductions split differently), so
every job pins it and records it: same config, seed and thread count, same bits.
"""

from __future__ import annotations

import torch

DEVICES = ("auto", "cpu", "cuda")


def resolve(device: str) -> str:
    """``auto`` becomes ``cuda`` when a GPU is visible, else ``cpu``; ``cuda`` without one is an error."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; valid devices are: {', '.join(DEVICES)}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but torch sees no GPU on this machine; use device=auto or cpu")
    return device


def cuda_available() -> bool:
    return torch.cuda.is_available()


def pin_threads(threads: int) -> None:
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:
        pass  # can only be set once per process, before any parallel work; harmless after


def describe(device: str) -> dict[str, object]:
    info: dict[str, object] = {"device": device, "torch_threads": torch.get_num_threads()}
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
        info["cuda"] = torch.version.cuda
    return info
