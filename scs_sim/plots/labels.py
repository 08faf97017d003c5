"""Point labels that do not overlap: each label tries offsets around its point until it is clear.

:func:`place_labels` lays the figure out once (so display coordinates are final), then for each
point tries a ring of offsets at growing distances and keeps the first where the label's box
overlaps no label placed before, no data marker and stays inside the Axes; a label with no free
place is left out (the caller says so, e.g. in a numbered legend or the table).
"""

from __future__ import annotations

import numpy as np

__all__ = ["boxes_overlap", "place_labels"]

#: Offsets tried, in points: 8 directions at each radius.
_RADII = (6.0, 12.0, 20.0, 30.0, 42.0)
_DIRS = ((1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1))


def boxes_overlap(a, b, pad: float = 0.0) -> bool:
    """True when the display-space boxes ``a`` and ``b`` (x0, y0, x1, y1) overlap (``pad`` px apart)."""
    return not (a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1] or b[3] + pad <= a[1])


def _extent(text, renderer):
    bb = text.get_window_extent(renderer)
    return (bb.x0, bb.y0, bb.x1, bb.y1)


def place_labels(ax, xs, ys, texts, *, fontsize: float = 7.0, marker_px: float = 5.0) -> list:
    """Annotate ``(xs[i], ys[i])`` with ``texts[i]`` where the label overlaps nothing; returns the labels.

    The returned list has one entry per point: the ``Annotation`` placed, or ``None`` where no free
    place was found (or the point is not finite). Labels are kept out of the layout engine
    (``set_in_layout(False)``) so that placing them does not move the Axes they were fitted to.
    """
    fig = ax.figure
    fig.canvas.draw()  # final layout: data -> display transform fixed
    renderer = fig.canvas.get_renderer()
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    finite = np.isfinite(xs) & np.isfinite(ys)
    pts = ax.transData.transform(np.column_stack([np.where(finite, xs, 0), np.where(finite, ys, 0)]))
    taken = [
        (px - marker_px, py - marker_px, px + marker_px, py + marker_px)
        for (px, py), f in zip(pts, finite, strict=True)
        if f
    ]
    inside = ax.get_window_extent(renderer)
    frame = (inside.x0, inside.y0, inside.x1, inside.y1)
    to_px = fig.dpi / 72.0
    out = []
    for i, text in enumerate(texts):
        if not finite[i]:
            out.append(None)
            continue
        placed = None
        for r in _RADII:
            for dx, dy in _DIRS:
                ann = ax.annotate(
                    str(text),
                    (xs[i], ys[i]),
                    textcoords="offset points",
                    xytext=(dx * r, dy * r),
                    ha="left" if dx > 0 else ("right" if dx < 0 else "center"),
                    va="bottom" if dy > 0 else ("top" if dy < 0 else "center"),
                    fontsize=fontsize,
                    arrowprops=dict(arrowstyle="-", color="0.5", lw=0.5) if r > 12 else None,
                )
                ann.set_in_layout(False)
                box = _extent(ann, renderer)
                ok = (
                    box[0] >= frame[0]
                    and box[1] >= frame[1]
                    and box[2] <= frame[2]
                    and box[3] <= frame[3]
                    and not any(boxes_overlap(box, t, pad=1.0 * to_px) for t in taken)
                )
                if ok:
                    placed = ann
                    taken.append(box)
                    break
                ann.remove()
            if placed is not None:
                break
        out.append(placed)
    return out
