"""Data-quality rules for care episodes: what one episode cannot show on its own.

:func:`~safeguarding_metrics.model.clean.clean_table` already checks each episode by itself: an
end before its start (the end date is left out of the indicators that read it) and unknown
codes (a warning; the record is kept). The rules here compare each child's episodes with each
other, in order of start date, short breaks (legal status V3/V4) aside, as every looked-after
measure sees them:

``episode_overlap`` (error, kept; column ``start_date``)
    The episode starts before the child's previous episode ends (or that one has no end
    date). Example: E1 from 2015-01-05 with no end date, E2 from 2015-06-01. Both are kept:
    dropping either would lose looked-after days or a period of care start. The building
    blocks resolve it (:meth:`~safeguarding_metrics.looked_after.CareHistory.open_episode`:
    from 2015-06-01 E2 is the open episode). An episode ending on the day the next starts
    does not overlap it.
``episode_same_start`` (error; kept by default, or both set aside; column ``start_date``)
    Two episodes of one child start on the same day: nothing says which is right. By default
    both are kept (the later in sort order, by end date then codes, is taken as the one in
    force); ``same_start="set aside"`` sets both aside, as the data contract does for two
    records sharing a key.
``episode_gap`` (error, kept; column ``rne``)
    The episode starts after the previous one ended, with an RNE other than S: a gap inside a
    period of care (a new period of care must start with S). Example: E1 2015-01-05 to
    2015-03-01, E2 from 2015-03-10 with RNE P. Kept: the child is not looked after in the
    gap, and its period of care still starts at its last S episode.
``episode_new_period_same_day`` (warning, kept; column ``rne``)
    An episode with RNE S starting on the day the previous one ended: a new period of care
    without a day out of care (a change of placement or legal status has another RNE).
    Kept: the period of care start moves to that day.
``episode_first_not_start`` (warning, kept; column ``rne``)
    The child's first episode has an RNE other than S: the history starts inside a period of
    care (often an extract cut at a date). Kept: the child has no period of care start until
    a later S episode and is listed among the exclusions of the measures that need one.

Every fault names the table, file, row (``_row``, the source row) and column, never a child
identifier. The episodes may be passed before child coding (``child_id``, with ``la`` when
present) or after (``child``).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import numpy as np
import pandas as pd

from .clean import CleanTable
from .quality import QUALITY_COLUMNS, Action, Severity, faults_frame

__all__ = ["EPISODE_RULES", "EpisodeFaults", "apply_episode_rules", "episode_faults"]

#: The rules, with their severity, action and column, as documented in the module docstring.
EPISODE_RULES = {
    "episode_overlap": (Severity.ERROR, Action.KEPT, "start_date"),
    "episode_same_start": (Severity.ERROR, Action.KEPT, "start_date"),
    "episode_gap": (Severity.ERROR, Action.KEPT, "rne"),
    "episode_new_period_same_day": (Severity.WARNING, Action.KEPT, "rne"),
    "episode_first_not_start": (Severity.WARNING, Action.KEPT, "rne"),
}

_SHORT_BREAKS = ("V3", "V4")


@attrs.frozen(kw_only=True, eq=False)
class EpisodeFaults:
    """What the episode rules found.

    Attributes
    ----------
    faults
        Data-quality rows (:data:`~safeguarding_metrics.model.quality.QUALITY_COLUMNS`).
    set_aside
        One boolean per episode as passed in: rows to leave out of everything.
    field_left_out
        Per column, one boolean per episode: rows to leave out of the indicators that read
        that column (empty with the default rules, which keep every episode).
    """

    faults: pd.DataFrame
    set_aside: np.ndarray
    field_left_out: Mapping[str, np.ndarray]


def _child_key(frame: pd.DataFrame) -> np.ndarray:
    """One integer per row identifying the child (``la`` included when present)."""
    if "child" in frame.columns:
        return frame["child"].to_numpy(np.int64)
    ids = frame["child_id"].astype(object).astype(str)
    if "la" in frame.columns:
        la = frame["la"].astype(object).where(frame["la"].notna(), "").astype(str)
        ids = la + "\x1f" + ids
    return pd.factorize(ids)[0].astype(np.int64)


def _text(values: np.ndarray) -> np.ndarray:
    return pd.Series(values, dtype=object).fillna("").astype(str).to_numpy(dtype=object)


def episode_faults(
    episodes: pd.DataFrame,
    *,
    file: str = "care_episodes",
    field_faults: Mapping[str, np.ndarray] | None = None,
    same_start: str = "kept",
) -> EpisodeFaults:
    """Check each child's episodes against each other.

    Parameters
    ----------
    episodes
        The cleaned ``care_episodes`` rows (typed: ``start_date`` and ``end_date`` dates,
        ``rne`` and ``legal_status`` codes), with ``_row`` and ``child_id`` (and ``la``) or
        ``child``.
    file
        How the source is named in the faults.
    field_faults
        Masks (per column, over the same rows) of fields already found faulty: an episode
        whose ``end_date`` is faulty (it ends before it starts) takes no part in the checks.
    same_start
        ``"kept"`` (default) or ``"set aside"``: what becomes of two episodes of one child
        starting on the same day.

    Returns
    -------
    EpisodeFaults
        The faults and the masks, aligned with the rows of ``episodes``.
    """
    if same_start not in ("kept", "set aside"):
        raise ValueError(f"same_start is 'kept' or 'set aside', not {same_start!r}")
    n = len(episodes)
    set_aside = np.zeros(n, dtype=bool)
    empty = EpisodeFaults(faults=faults_frame([]), set_aside=set_aside, field_left_out={})
    if n == 0:
        return empty
    rows = episodes["_row"].to_numpy() if "_row" in episodes.columns else np.arange(1, n + 1)
    legal = _text(episodes["legal_status"].to_numpy(dtype=object))
    start = episodes["start_date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    end = episodes["end_date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    usable = ~np.isin(legal, _SHORT_BREAKS) & ~np.isnat(start)
    bad_end = (field_faults or {}).get("end_date")
    if bad_end is not None:
        usable &= ~np.asarray(bad_end, dtype=bool)
    taken = np.flatnonzero(usable)
    if len(taken) == 0:
        return empty

    child = _child_key(episodes)[taken]
    s, e = start[taken], end[taken]
    rne = _text(episodes["rne"].to_numpy(dtype=object))[taken]
    big = np.iinfo(np.int64).max
    e_num = np.where(np.isnat(e), big, e.astype(np.int64))
    order = np.lexsort((rows[taken], rne.astype(str), e_num, s.astype(np.int64), child))
    source = taken[order]  # positions in the input, in sorted order
    child, s, e, rne = child[order], s[order], e[order], rne[order]
    m = len(order)
    same_child = np.zeros(m, dtype=bool)
    same_child[1:] = child[1:] == child[:-1]
    previous_end = np.full(m, np.datetime64("NaT", "D"))
    previous_end[1:] = e[:-1]
    previous_start = np.full(m, np.datetime64("NaT", "D"))
    previous_start[1:] = s[:-1]
    previous_row = np.zeros(m, dtype=rows.dtype)
    previous_row[1:] = rows[source][:-1]
    # How far the child's earlier episodes reach (an open one beyond any day): an episode
    # overlaps when it starts before that, not only before its immediate predecessor ends.
    reach = np.zeros(m, dtype=np.int64)
    if m:
        keyed = np.where(same_child, 0, 1).cumsum()
        reach_prev = (
            pd.Series(np.where(np.isnat(e), big, e.astype(np.int64))).groupby(keyed).cummax()
        )
        reach[1:] = reach_prev.to_numpy()[:-1]
    starts = s.astype(np.int64)

    same_day = same_child & (s == previous_start)
    overlap = same_child & ~same_day & (starts < reach)
    gap = same_child & (reach != big) & (starts > reach) & (rne != "S")
    new_same_day = same_child & (starts == reach) & (rne == "S")
    first_not_start = ~same_child & (rne != "S")
    same_pair = same_day.copy()
    same_pair[:-1] |= same_day[1:]  # both episodes of a same-day pair

    chunks: list[pd.DataFrame] = []

    def add(code: str, mask: np.ndarray, reasons: list[str], action: Action | None = None) -> None:
        if not mask.any():
            return
        severity, default_action, column = EPISODE_RULES[code]
        chunks.append(
            pd.DataFrame(
                {
                    "table": "care_episodes",
                    "file": file,
                    "row": pd.array(rows[source][mask], dtype="Int64"),
                    "column": column,
                    "severity": str(severity),
                    "action": str(action or default_action),
                    "reason": reasons,
                    "date": s[mask],  # the episode's start date: what dates it
                },
                columns=list(QUALITY_COLUMNS),
            )
        )

    def day(values: np.ndarray) -> list[str]:
        return [str(v) for v in values]

    reach_days = np.where(reach == big, 0, reach).astype("datetime64[D]")
    add(
        "episode_overlap",
        overlap,
        [
            f"starts before an earlier episode of the same child ends (row {r}"
            + (", no end date" if x == big else f", ending {d}")
            + "); kept: from its start this episode is taken as the one open"
            for r, x, d in zip(
                previous_row[overlap], reach[overlap], day(reach_days[overlap]), strict=True
            )
        ],
    )
    same_action = Action.SET_ASIDE if same_start == "set aside" else Action.KEPT
    add(
        "episode_same_start",
        same_pair,
        [
            "two episodes of the same child start on this day; "
            + (
                "both set aside (nothing says which is right)"
                if same_start == "set aside"
                else "both kept: the one ending later is taken as in force"
            )
        ]
        * int(same_pair.sum()),
        action=same_action,
    )
    add(
        "episode_gap",
        gap,
        [
            f"RNE {x!r} but the child's previous episode ended on {d}, before this one "
            "starts: a gap inside a period of care (a new period of care starts with RNE S); "
            "kept: the child is not looked after in the gap"
            for x, d in zip(rne[gap], day(reach_days[gap]), strict=True)
        ],
    )
    add(
        "episode_new_period_same_day",
        new_same_day,
        [
            "RNE 'S' on the day the previous episode ended: a new period of care with no day "
            "out of care; kept: the period of care start moves to this day"
        ]
        * int(new_same_day.sum()),
    )
    add(
        "episode_first_not_start",
        first_not_start,
        [
            f"the child's first episode has RNE {x!r}, not 'S': no period of care start "
            "before it; kept: the child is left out of measures that need one until an S "
            "episode"
            for x in rne[first_not_start]
        ],
    )
    if same_start == "set aside":
        set_aside[source[same_pair]] = True
    return EpisodeFaults(faults=faults_frame(chunks), set_aside=set_aside, field_left_out={})


def apply_episode_rules(clean: CleanTable, *, file: str, same_start: str = "kept") -> CleanTable:
    """The cleaned ``care_episodes`` table with the episode rules' faults added.

    Rows set aside leave ``frame`` (and their field-fault masks); their faults join
    ``faults``; ``set_aside`` grows by their number, so ``read == used + set_aside`` holds.
    """
    found = episode_faults(
        clean.frame, file=file, field_faults=clean.field_faults, same_start=same_start
    )
    if not len(found.faults):
        return clean
    keep = ~found.set_aside
    field_faults = {c: m.copy() for c, m in clean.field_faults.items()}
    for column, mask in found.field_left_out.items():
        field_faults[column] = field_faults.get(column, np.zeros(len(keep), dtype=bool)) | mask
    field_faults = {c: m[keep] for c, m in field_faults.items() if m[keep].any()}
    return CleanTable(
        frame=clean.frame.loc[keep].reset_index(drop=True),
        field_faults=field_faults,
        faults=faults_frame([clean.faults, found.faults]),
        read=clean.read,
        set_aside=clean.set_aside + int(found.set_aside.sum()),
    )
