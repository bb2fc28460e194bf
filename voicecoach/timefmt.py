"""Formatting times for people: 1:05, 1:02:03."""


def clock(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour on), rounded to the nearest second."""
    seconds = int(round(max(0.0, seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def parse_clock(text: str) -> float:
    """Parse ``90``, ``1:30`` or ``1:02:03`` into seconds. Raises ValueError."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or any(p.strip() == "" for p in parts):
        raise ValueError(f"not a time: {text!r} (use seconds, m:ss or h:mm:ss)")
    total = 0.0
    for p in parts:
        try:
            total = total * 60 + float(p)
        except ValueError:
            raise ValueError(f"not a time: {text!r} (use seconds, m:ss or h:mm:ss)") from None
    if total < 0:
        raise ValueError(f"not a time: {text!r}")
    return total
