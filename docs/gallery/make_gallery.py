"""Regenerate the README gallery images in this folder.

Run from the repository root (about a minute on one core)::

    python docs/gallery/make_gallery.py        # same as: scs-sim gallery --out docs/gallery
"""

import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scs_sim.app.gallery import write_gallery  # noqa: E402

if __name__ == "__main__":
    t0 = time.perf_counter()
    files = write_gallery(Path(__file__).resolve().parent, log=print)
    print(f"{len(files)} images in {time.perf_counter() - t0:.0f} s")
