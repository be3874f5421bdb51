"""The 12 MP test photo the benchmarks share: the sample portrait enlarged (bicubic) to 3464 x 3464."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image


def twelve_mp_photo(folder: Path) -> tuple[np.ndarray, Path]:
    """The enlarged sample as an RGB array and as a JPEG (quality 92) written into ``folder``."""
    from skimage import data

    big = cv2.resize(data.astronaut(), (3464, 3464), interpolation=cv2.INTER_CUBIC)
    src = Path(folder) / "12mp.jpg"
    Image.fromarray(big).save(src, "JPEG", quality=92)
    print(f"photo: {big.shape[1]}x{big.shape[0]} ({big.shape[0] * big.shape[1] / 1e6:.1f} MP)")
    return big, src
