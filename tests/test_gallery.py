"""The gallery: one row per test photo, four head-cropped panels, through the CLI's pipeline."""

from __future__ import annotations

import numpy as np

from tests.cli_helpers import read_png


def test_gallery_writes_a_row_per_photo_with_four_panels(tmp_path):
    from smpstudio.imaging.real_photos import PHOTOS
    from smpstudio.reports.gallery import PANEL_HEIGHT_PX, main

    main(tmp_path)
    names = ["sample"] + [n.removesuffix(".jpg") for n in PHOTOS]
    index = (tmp_path / "index.md").read_text()
    for name in names:
        row = read_png(tmp_path / f"{name}.png")
        assert row.shape[0] == PANEL_HEIGHT_PX + 28 and f"({name}.png)" in index
        # panels are separated by 6 px white gaps: three gaps -> four panels
        white_cols = (row[28:] == 255).all(axis=(0, 2))
        starts = np.flatnonzero(np.diff(white_cols.astype(np.int8)) == 1)
        assert len(starts) == 3
        # the panels after "before" differ from it (the preview changed the head)
        w = (row.shape[1] - 18) // 4
        assert np.abs(row[28:, :w].astype(int) - row[28:, w + 6:2 * w + 6].astype(int)).max() > 0
