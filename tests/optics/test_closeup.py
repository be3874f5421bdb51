"""Close-up on every test photo's plan: the dots stay ~0.1-0.25 mm across, ~1 mm apart, round and grey-black
(domain.md §1, §4, §8), read back from the rendered close-up by blob detection."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree
from skimage.feature import blob_log

from smpstudio.optics.colour import linear_to_lab

PPM = 50.0  # px/mm of the close-up (a 0.15 mm dot spans ~7 px: enough to judge its shape)


@pytest.fixture(scope="module")
def panels(case):
    from smpstudio.pipeline.renders import closeup_panels, default_closeup_center_mm

    step = case.step
    return case, dict(closeup_panels(step, default_closeup_center_mm(step), PPM))


def _measure(img: np.ndarray, skin: np.ndarray) -> dict[str, np.ndarray]:
    op = 1.0 - img.mean(axis=2) / skin.mean()
    # threshold above the close-up's drawn pores (12 % darker than the skin)
    blobs = blob_log(op, min_sigma=0.03 * PPM, max_sigma=0.2 * PPM, num_sigma=10, threshold=0.15)
    r = int(0.25 * PPM)
    yy, xx = np.mgrid[-r: r + 1, -r: r + 1]
    ring = (yy**2 + xx**2 > (r - 1) ** 2) & (yy**2 + xx**2 <= r**2)
    diam, ratio, core = [], [], []
    h, w = op.shape
    for cy, cx in blobs[:, :2].astype(int):
        if not (r <= cy < h - r and r <= cx < w - r):
            continue
        win = op[cy - r: cy + r + 1, cx - r: cx + r + 1]
        rel = win - np.median(win[ring])
        m = rel >= 0.5 * rel.max()
        diam.append(2.0 * np.sqrt(m.sum() / np.pi) / PPM)
        py, px = np.nonzero(m)
        ev = np.linalg.eigvalsh(np.cov(np.stack([py, px])) + 1e-9 * np.eye(2)) if m.sum() > 2 else np.ones(2)
        ratio.append(np.sqrt(ev[1] / max(ev[0], 1e-9)))
        core.append(img[cy, cx])
    return {"xy": blobs[:, :2] / PPM, "diameter": np.array(diam), "ratio": np.array(ratio),
            "core_lab": linear_to_lab(np.array(core))}


def test_closeup_dots_keep_their_size_spacing_shape_and_colour(panels) -> None:
    case, p = panels
    skin = case.skin_linear
    skin_lab = linear_to_lab(skin)
    final = _measure(p[f"session {case.n_sessions} healed"], skin)
    fresh = _measure(p["session 1 fresh"], skin)
    d, _ = cKDTree(final["xy"]).query(final["xy"], k=2)
    nn = d[:, 1]
    chroma = np.hypot(final["core_lab"][:, 1], final["core_lab"][:, 2])
    print(f"\n{case.name}: {len(final['xy'])} dots; healed diameter median {np.median(final['diameter']):.3f} mm "
          f"(p10 {np.percentile(final['diameter'], 10):.3f}, p90 {np.percentile(final['diameter'], 90):.3f}); "
          f"fresh {np.median(fresh['diameter']):.3f} mm; nearest neighbour median {np.median(nn):.2f} mm; "
          f"axis ratio median {np.median(final['ratio']):.2f}; core L* {np.median(final['core_lab'][:, 0]):.1f} "
          f"C* {np.median(chroma):.1f} (skin L* {skin_lab[0]:.1f} C* {np.hypot(skin_lab[1], skin_lab[2]):.1f})")
    assert len(final["xy"]) > 50
    assert 0.10 <= np.median(final["diameter"]) <= 0.25  # domain.md §1: healed ~0.10-0.15, fresh up to 0.25
    assert np.median(fresh["diameter"]) > np.median(final["diameter"])
    assert np.median(fresh["diameter"]) <= 0.30
    assert 0.8 <= np.median(nn) <= 1.6  # about 1 mm apart (domain.md §1; 80/cm^2 -> 1.2 mm triangular)
    assert np.median(final["ratio"]) <= 1.4  # round
    # grey-black: far darker than the skin and less colourful than it (domain.md §8)
    assert np.median(final["core_lab"][:, 0]) <= skin_lab[0] - 20
    assert np.median(chroma) < np.hypot(skin_lab[1], skin_lab[2])
