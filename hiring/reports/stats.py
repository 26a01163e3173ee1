"""The one quantile every report section uses, so their medians and p90s agree."""

from math import ceil, floor


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation between closest ranks; None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q
    lo, hi = floor(pos), ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
