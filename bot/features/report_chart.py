"""The monthly report's chart: posts per week by network, a PNG drawn with matplotlib (Agg)."""

from __future__ import annotations

import io

from bot.config import CHANNELS
from bot.features.report import Figures

# ASCII labels: the fonts matplotlib ships have no Japanese glyphs.
NETWORK_LABELS = {"x": "X", "facebook": "Facebook", "blog": "Blog"}
COLOURS = {"x": "#1d1d1f", "facebook": "#1877f2", "blog": "#e07b00"}


def chart_png(figures: Figures) -> bytes:
    """A grouped bar chart, one group per week (Monday's date), one bar per network."""
    import matplotlib  # imported here: only the report needs it, and it is slow to import

    matplotlib.use("Agg")  # no display: draw into memory
    from matplotlib.figure import Figure

    weeks = sorted(figures.weekly)
    figure = Figure(figsize=(7, 3.2), dpi=100)
    axes = figure.add_subplot()
    width = 0.8 / len(CHANNELS)
    for i, network in enumerate(CHANNELS):
        counts = [figures.weekly[week].get(network, 0) for week in weeks]
        positions = [w + (i - 1) * width for w in range(len(weeks))]
        axes.bar(positions, counts, width, label=NETWORK_LABELS[network], color=COLOURS[network])
    axes.set_xticks(range(len(weeks)), [f"{w:%m/%d}-" for w in weeks])
    axes.set_ylabel("posts")
    axes.set_title(f"Posts per week by network, {figures.month.name}")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
