"""Token heat maps as HTML: every token and label escaped, the score on hover.

Signed scores use a diverging palette (green pushes toward the target class,
red away from it, as in LIT); unsigned ones a sequential blue. Opacity is the
score over the largest absolute score shown, so each map has its own scale,
drawn in its legend, unless maps compared side by side are given one scale
(``heatmap_scale`` over all of them).
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

TOWARD = (26, 150, 65)  # green
AWAY = (215, 48, 39)  # red
UNSIGNED = (33, 102, 172)  # blue
_TOKEN_STYLE = (
    "display:inline-block;margin:2px 1px;padding:1px 4px;border-radius:4px;"
    "border:1px solid rgba(120,120,120,0.25);font-size:0.95rem;line-height:1.6;"
)

_SEGMENT_BOUNDARY = (
    '<span class="lumen-segment-boundary" title="The second segment starts here" '
    'style="display:inline-block;margin:2px 6px;padding:1px 6px;border-left:3px '
    'solid rgba(120,120,120,0.8);font-size:0.8rem;opacity:0.8">second text</span>'
)


def _rgba(rgb: tuple[int, int, int], alpha: float) -> str:
    return f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{alpha:.3f})"


def heatmap_scale(*tables: pd.DataFrame) -> float:
    """The largest absolute ``score`` over ``tables`` (1 when all are zero): one
    colour scale for heat maps compared side by side."""
    scores = np.concatenate([t["score"].to_numpy(np.float64) for t in tables])
    largest = float(np.abs(scores).max()) if len(scores) else 0.0
    return largest if largest > 0 else 1.0


def token_color(score: float, scale: float, signed: bool) -> str:
    """Background colour for ``score`` on a map whose largest |score| is ``scale``."""
    strength = min(1.0, abs(score) / scale)
    if not signed:
        return _rgba(UNSIGNED, strength)
    return _rgba(TOWARD if score >= 0 else AWAY, strength)


def legend_html(scale: float, signed: bool, target_label: str) -> str:
    """A colour bar with its end values and what the colours mean."""
    target = escape(target_label)
    if signed:
        gradient = f"{_rgba(AWAY, 1)}, rgba(255,255,255,0), {_rgba(TOWARD, 1)}"
        left = f"−{scale:.3g} · away from <b>{target}</b>"
        right = f"toward <b>{target}</b> · +{scale:.3g}"
    else:
        gradient = f"rgba(255,255,255,0), {_rgba(UNSIGNED, 1)}"
        left, right = "0 · no effect", f"strong effect on <b>{target}</b> · {scale:.3g}"
    return (
        '<div class="lumen-legend" style="display:flex;align-items:center;gap:8px;'
        'font-size:0.8rem;margin:4px 0 2px 0;opacity:0.85">'
        f"<span>{left}</span>"
        '<span style="flex:0 0 160px;height:10px;border-radius:5px;'
        f"border:1px solid rgba(120,120,120,0.4);background:linear-gradient(to right, "
        f'{gradient})"></span>'
        f"<span>{right}</span></div>"
    )


def token_heatmap_html(
    table: pd.DataFrame,
    signed: bool,
    target_label: str,
    title: str | None = None,
    scale: float | None = None,
) -> str:
    """The tokens of ``table`` coloured by score, with a legend.

    Args:
        table: columns ``token``, ``score`` and, for a sentence pair,
            ``segment`` (``TokenSalience.table()``); a bar marks where the
            second segment starts.
        signed: diverging palette when True, sequential when False.
        target_label: the explained class, named in the legend.
        title: an optional heading above the map.
        scale: the |score| drawn at full colour (``heatmap_scale`` of several
            tables, to compare them); by default this table's largest.

    Returns:
        HTML in which every token, the title and the label are escaped; each
        token's ``title`` attribute holds its exact score (shown on hover).
    """
    scores = table["score"].to_numpy(dtype=np.float64)
    scale = heatmap_scale(table) if scale is None else scale
    segments = table["segment"].tolist() if "segment" in table else [0] * len(table)
    spans = []
    for row, (token, score) in enumerate(zip(table["token"], scores)):
        if row and segments[row] != segments[row - 1]:
            spans.append(_SEGMENT_BOUNDARY)
        text_color = "#fff" if abs(score) / scale > 0.65 else "inherit"
        background = token_color(score, scale, signed)
        spans.append(
            f'<span class="lumen-token" title="{escape(str(token))}: {score:+.6g}" '
            f'style="{_TOKEN_STYLE}background-color:{background};color:{text_color}">'
            f"{escape(str(token))}</span>"
        )
    heading = (
        f'<div style="font-weight:600;margin-bottom:2px">{escape(title)}</div>'
        if title
        else ""
    )
    return (
        f'<div class="lumen-heatmap">{heading}'
        f'<div style="line-height:1.9">{"".join(spans)}</div>'
        f"{legend_html(scale, signed, target_label)}</div>"
    )
