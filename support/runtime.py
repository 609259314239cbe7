"""Run bookkeeping shared by both notebooks: device choice, seeding, a printed manifest,
a guard against non-finite losses, and writing result files atomically."""

from __future__ import annotations

import json
import math
import os
import platform
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torchvision


def pick_device(preferred: str = "auto") -> torch.device:
    """'auto' picks CUDA, then Apple MPS, then the CPU; anything else is taken as given."""
    if preferred != "auto":
        return torch.device(preferred)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (data shuffling uses its own seeded generators)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def manifest(device: torch.device, params: dict) -> dict:
    """What produced this run: versions, device, threads, parameters and start time."""
    info = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "device": str(device),
        "cpu_threads": torch.get_num_threads(),
        "params": params,
    }
    for key, value in info.items():
        if key != "params":
            print(f"{key:>12}: {value}")
    print(f"{'params':>12}: " + ", ".join(f"{k}={v}" for k, v in params.items()))
    return info


class NonFiniteLoss(FloatingPointError):
    """Training produced NaN or inf; continuing would only waste time."""


def check_finite(where: str, **losses: float) -> None:
    bad = {k: v for k, v in losses.items() if not math.isfinite(v)}
    if bad:
        raise NonFiniteLoss(
            f"Non-finite loss at {where}: {bad}. Training stopped. Try a lower learning rate, "
            "check the input normalisation, or resume from the last checkpoint.")


def save_json(obj, path: str | Path) -> None:
    """Write JSON via a temporary file so a crash never leaves half a results file."""
    text = json.dumps(obj, indent=2)  # fails before anything is written
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
        f.write(text)
    os.replace(f.name, path)
