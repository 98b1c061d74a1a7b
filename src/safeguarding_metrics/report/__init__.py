"""Performance reports: the monthly (or quarterly) report a committee reads.

:func:`build_report` computes every indicator once and lays the figures out per indicator
(:class:`Report`); the writers only render it: :func:`write_report` writes the HTML report,
the Excel workbook and the results as CSV side by side.
"""

from .build import EVERY, build_report
from .commentary import CommentaryError, CommentaryFile, draft_commentary, load_commentary
from .model import Commentary, Report, Section
from .suppress import DEFAULT_SUPPRESS_BELOW, suppress_frame

__all__ = [
    "DEFAULT_SUPPRESS_BELOW",
    "EVERY",
    "Commentary",
    "CommentaryError",
    "CommentaryFile",
    "Report",
    "Section",
    "build_report",
    "draft_commentary",
    "load_commentary",
    "suppress_frame",
]
