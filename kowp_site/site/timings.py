"""The lines ``kowp-site serve --timings`` prints: where the time went from a save to its reload."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kowp_site.site.build import BuildResult


def timing_line(
    result: BuildResult,
    saved_at: float | None,
    began: float,
    published: float,
    page_sent: float | None = None,
    build_began: float | None = None,
) -> str:
    """Where a rebuild's time went, from the save to the reload event (``serve --timings``).

    ``page_sent``: when the saved post's own page was sent ahead of the build, if it was;
    ``build_began``: when the build began (later than the save's page when the last build was
    still running).
    """
    ms = lambda seconds: f"{seconds * 1000:.0f} ms"  # noqa: E731
    phases = ", ".join(f"{name} {ms(s)}" for name, s in result.timings.items() if name != "total")
    parts = []
    if saved_at is not None and page_sent is not None:
        parts.append(f"save -> page {ms(page_sent - saved_at)}: its page made and sent in {ms(page_sent - began)}")
    if saved_at is not None:
        parts.append(
            f"save -> reload {ms(published - saved_at)}: waiting for the save to settle {ms(began - saved_at)}"
        )
    parts.append(f"build {ms(result.timings.get('total', published - began))} ({phases})")
    ready = page_sent if page_sent is not None else began  # when this save could be built
    build_began = ready if build_began is None else build_began
    if build_began - ready > 0.005:
        parts.insert(len(parts) - 1, f"waiting for the last build {ms(build_began - ready)}")
    parts.append(f"reload sent {ms(published - build_began - result.timings.get('total', 0.0))} after")
    return "timings: " + "; ".join(parts)
