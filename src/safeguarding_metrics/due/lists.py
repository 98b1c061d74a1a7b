"""Due lists as at a day: every open case of every deadline measure, with its team and worker.

:func:`due_lists` asks each registered :class:`~safeguarding_metrics.due.DueList` for its open
cases as at a day, adds the team and worker from the allocations open on that day, the days
overdue or left and the band, sorts them (overdue first, the most overdue first, then by due
date) and decodes the children's identifiers, here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import pandas as pd

from ..cohort_checks import plugin_failure, redact_child_ids
from ..indicator import NotComputable, ParameterError
from ..model.dataset import Dataset
from .spec import DueList, check_due_frame

if TYPE_CHECKING:  # the registry imports this package: no import cycle at run time
    from ..registry import Registry

__all__ = [
    "ALL_TEAMS",
    "BANDS",
    "LIST_COLUMNS",
    "NO_TEAM",
    "SUMMARY_COLUMNS",
    "UNALLOCATED",
    "DueLists",
    "band_label",
    "due_lists",
    "known_teams",
]

log = logging.getLogger(__name__)

#: The bands, most urgent first: past the due date; due in the next 7 days (today included);
#: due later but within ``within`` days; later still (left out unless asked for).
BANDS = ("overdue", "due_7", "due_within", "later")
#: The team and worker of a child with no allocation open on the day.
UNALLOCATED = "Unallocated"
#: The team of an allocated worker whose team is not recorded.
NO_TEAM = "No team recorded"

#: The columns of each list in :attr:`DueLists.lists` (and of :attr:`DueLists.frame`).
LIST_COLUMNS = (
    "due_list",
    "indicator",
    "la",
    "team",
    "worker_id",
    "child_id",
    "record",
    "record_start",
    "last_event",
    "due_date",
    "due_at",
    "days_overdue",
    "days_left",
    "band",
    "not_met",
    "in_population",
    "rule",
)

#: The columns of :attr:`DueLists.summary`: per due list and team (and ``All teams``, each case
#: once), the cases in each band listed, those the indicator counts as not met, and whether the
#: list could be made.
SUMMARY_COLUMNS = (
    "due_list",
    "title",
    "indicator",
    "team",
    "overdue",
    "due_7",
    "due_within",
    "listed",
    "not_met",
    "status",
    "reason",
)

ALL_TEAMS = "All teams"

_DAY = np.timedelta64(1, "D")


def band_label(band: str, within: int) -> str:
    """The band in words: ``overdue``, ``due within 7 days`` (today included), ``due in 8-14
    days`` (with ``within`` 14), ``later``."""
    if band == "due_7":
        return f"due within {min(7, within)} days"
    if band == "due_within":
        return f"due in 8-{within} days" if within > 8 else f"due in {within} days"
    return band


@attrs.frozen(kw_only=True, eq=False)
class DueLists:
    """What :func:`due_lists` returns: personal data (child-level records).

    Attributes
    ----------
    as_at
        The day the lists are made as at.
    within
        The horizon [days]: cases due more than this many days after ``as_at`` are left out
        (unless ``include_later``), except those the indicator already counts as not met.
    lists
        Per due list id (sorted), one row per open case and allocated worker
        (:data:`LIST_COLUMNS`), overdue first. A child allocated to two workers appears once
        under each; an unallocated child under ``Unallocated``.
    summary
        Counts per due list and team (:data:`SUMMARY_COLUMNS`), with an ``All teams`` row
        counting each case once, and a row for each list that could not be made.
    due_lists
        The due lists computed, by id.
    unavailable
        Per due list id that could not be made (missing table, unsupported parameter), why.
    teams
        The teams in the lists (or the team asked for), sorted.
    """

    as_at: dt.date
    within: int
    lists: Mapping[str, pd.DataFrame]
    summary: pd.DataFrame
    due_lists: Mapping[str, DueList]
    unavailable: Mapping[str, str]
    teams: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def frame(self) -> pd.DataFrame:
        """Every list in one frame, by due list id, each in its own order."""
        parts = [frame for frame in self.lists.values() if len(frame)]
        if not parts:
            return _empty_list()
        return pd.concat(parts, ignore_index=True)

    def for_team(self, team: str) -> DueLists:
        """The same lists and summary restricted to one team."""
        lists = {
            k: v.loc[v["team"].to_numpy(dtype=object) == team].reset_index(drop=True)
            for k, v in self.lists.items()
        }
        summary = self.summary.loc[
            (self.summary["team"].to_numpy(dtype=object) == team)
            | (self.summary["status"].to_numpy(dtype=object) != "ok")
        ].reset_index(drop=True)
        return attrs.evolve(self, lists=MappingProxyType(lists), summary=summary, teams=(team,))


def _empty_list() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in LIST_COLUMNS})


def _as_day(value: Any) -> dt.date:
    from ..engine import UsageError

    try:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise UsageError(f"as_at must be a date (YYYY-MM-DD), not {value!r}") from None


def _allocate(frame: pd.DataFrame, dataset: Dataset, day: np.datetime64) -> pd.DataFrame:
    """Each row once per allocation of its child open on ``day`` (``worker_id``, ``team``)."""
    base = frame.assign(_pos=np.arange(len(frame)))
    if dataset.has("allocations"):
        alloc = dataset.view("allocations", ["worker_id", "start_date", "end_date"])
        start = alloc["start_date"].to_numpy(dtype="datetime64[D]")
        end = alloc["end_date"].to_numpy(dtype="datetime64[D]")
        open_now = (start <= day) & (np.isnat(end) | (end > day))
        spans = alloc.loc[open_now, ["child", "worker_id"]].drop_duplicates()
        joined = base.loc[:, ["_pos", "child"]].merge(spans, on="child", how="inner")
        joined = joined.loc[:, ["_pos", "worker_id"]]
    else:
        joined = pd.DataFrame({"_pos": pd.Series(dtype=np.int64), "worker_id": []})
    allocated = base.merge(joined, on="_pos", how="inner")
    unallocated = base.loc[~base["_pos"].isin(joined["_pos"])].assign(worker_id=None)
    out = pd.concat([allocated, unallocated], ignore_index=True)
    out["worker_id"] = out["worker_id"].astype(object)
    if dataset.has("workers") and len(out):
        workers = dataset.view("workers", ["worker_id", "team"])
        pooled = "la" in workers.columns and workers["la"].notna().any()
        on = ["la", "worker_id"] if pooled else ["worker_id"]
        workers = workers.loc[:, [*on, "team"]].drop_duplicates(on)
        if pooled:
            out["la"] = out["la"].astype(object)
            workers["la"] = workers["la"].astype(object)
        workers["worker_id"] = workers["worker_id"].astype(object)
        out = out.merge(workers, on=on, how="left")
    else:
        out["team"] = None
    has_worker = out["worker_id"].notna().to_numpy()
    team = out["team"].astype(object).to_numpy()
    out["team"] = np.where(has_worker, np.where(pd.isna(team), NO_TEAM, team), UNALLOCATED)
    out["worker_id"] = np.where(has_worker, out["worker_id"].to_numpy(dtype=object), UNALLOCATED)
    return out


def _finish(
    due_list: DueList,
    raw: pd.DataFrame,
    dataset: Dataset,
    day: np.datetime64,
    within: int,
    include_later: bool,
) -> pd.DataFrame:
    """Bands, days, team and worker, decoded ids, order: the list as a team manager reads it."""
    frame = raw.copy()
    child = frame["child"].to_numpy(np.int64)
    frame["la"] = dataset.child_la(child) if len(frame) else np.array([], dtype=object)
    due = frame["due_date"].to_numpy(dtype="datetime64[D]")
    left = ((due - day) // _DAY).astype(np.int64)
    overdue = left < 0
    in_population = frame["in_population"].to_numpy(dtype=bool)
    already_late = in_population & frame["already_late"].to_numpy(dtype=bool)
    not_met = in_population & overdue | already_late
    # A case the indicator already counts as not met (an earlier review held late) is in the
    # overdue band too, whatever its next due date: the overdue band is exactly the cases that
    # count against the indicator today. Its rule says why; days_left gives the next due date.
    band = np.select(
        [overdue | already_late, left <= min(7, within), left <= within],
        ["overdue", "due_7", "due_within"],
        "later",
    )
    frame["days_overdue"] = pd.array(np.where(overdue, -left, 0), dtype="Int64")
    frame.loc[~overdue, "days_overdue"] = pd.NA
    frame["days_left"] = pd.array(np.where(overdue, 0, left), dtype="Int64")
    frame.loc[overdue, "days_left"] = pd.NA
    frame["band"] = band
    frame["not_met"] = not_met
    keep = np.ones(len(frame), dtype=bool) if include_later else (band != "later") | not_met
    frame = frame.loc[keep].reset_index(drop=True)
    frame = _allocate(frame, dataset, day)
    frame["child_id"] = (
        dataset.decode_children(frame["child"].to_numpy(np.int64))
        if len(frame)
        else np.array([], dtype=object)
    )
    frame["due_list"] = due_list.id
    frame["indicator"] = due_list.indicator
    frame["record"] = frame["record"].astype(object)
    frame = frame.sort_values(
        ["due_date", "due_at", "team", "worker_id", "child_id", "record"],
        kind="stable",
        na_position="last",
        key=lambda s: s.astype(str) if s.dtype == object else s,
    )
    return frame.loc[:, list(LIST_COLUMNS)].reset_index(drop=True)


def _summary(
    lists: Mapping[str, pd.DataFrame],
    chosen: Mapping[str, DueList],
    unavailable: Mapping[str, str],
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for due_id, due_list in chosen.items():
        base = {"due_list": due_id, "title": due_list.title, "indicator": due_list.indicator}
        if due_id in unavailable:
            rows.append(
                {
                    **base,
                    "team": ALL_TEAMS,
                    "status": "not available",
                    "reason": unavailable[due_id],
                }
            )
            continue
        frame = lists[due_id]
        groups: list[tuple[str, pd.DataFrame]] = [
            (ALL_TEAMS, frame.drop_duplicates(["child_id", "la", "record", "due_date"]))
        ]
        groups.extend((str(t), part) for t, part in frame.groupby("team", sort=True))
        for team, part in groups:
            band = part["band"].to_numpy(dtype=object)
            rows.append(
                {
                    **base,
                    "team": team,
                    "overdue": int((band == "overdue").sum()),
                    "due_7": int((band == "due_7").sum()),
                    "due_within": int((band == "due_within").sum()),
                    "listed": len(part),
                    "not_met": int(part["not_met"].to_numpy(dtype=bool).sum()),
                    "status": "ok",
                    "reason": None,
                }
            )
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    for column in ("overdue", "due_7", "due_within", "listed", "not_met"):
        summary[column] = summary[column].astype("Int64")
    return summary


def due_lists(
    dataset: Dataset,
    as_at: Any,
    *,
    within: int = 14,
    team: str | None = None,
    worker: str | None = None,
    ids: Iterable[str] | None = None,
    la: str | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    include_later: bool = False,
    registry: Registry | None = None,
    allow_broken_plugins: bool = False,
) -> DueLists:
    """The due lists of every deadline measure as at a day: who is overdue, who falls due next.

    Parameters
    ----------
    dataset
        A validated dataset (:func:`~safeguarding_metrics.load_dataset`).
    as_at
        The day (date or ``YYYY-MM-DD``). A case is open when its record is open on that day
        (a plan or care episode ending on it has ended; a visit, review, update, authorisation,
        conference or decision dated on it counts).
    within
        The horizon [days]: the lists hold the overdue cases and those due within this many
        days (default 14); the band ``due_7`` is the next 7 days, today included.
    team, worker
        Only the cases allocated to this team (``workers.team``; ``Unallocated`` for children
        with no open allocation) or worker (``worker_id``).
    ids
        Due list ids to make; default every registered one.
    la
        In a dataset pooling several authorities, the authority whose cases to list.
    params
        Per indicator id, parameter values of the indicator a list feeds (as for
        :func:`~safeguarding_metrics.calculate`): ``{"national.icpc_15wd": {"count_start_day":
        True}}``.
    include_later
        Keep the cases due after the horizon too (band ``later``).
    registry
        Where the due lists and indicators come from; default the installed plugins.
    allow_broken_plugins
        Go on when a plugin failed to load (otherwise :class:`~safeguarding_metrics.PluginError`).

    Returns
    -------
    DueLists
        Per list, one row per case and allocated worker, overdue first. Child identifiers are
        decoded from the dataset's codes here: the result is personal data.

    Notes
    -----
    A case is on time as at day ``D`` while ``D <= due_date``: on its due date it is due today
    (``days_left`` 0), the next day it is 1 day overdue. For a snapshot measure a case is
    overdue as at ``D`` exactly when the indicator, measured as at ``D``, counts it as not met
    (``not_met``), except that the review measures also count as not met a case one of whose
    earlier reviews was late (``not_met`` true, next review not yet overdue); such cases stay
    in the list whatever their due date. A case not yet in the indicator's population (a
    plan whose first review is not yet due, a child in care for less than 28 days) is listed
    with its due date, and its due date is never before the day it enters the population, so
    it is never overdue outside it.
    """
    from ..engine import UsageError
    from ..registry import default_registry

    day_date = _as_day(as_at)
    day = np.datetime64(day_date, "D")
    if isinstance(within, bool) or not isinstance(within, (int, np.integer)) or within < 0:
        raise UsageError(f"within is a whole number of days, 0 or more, not {within!r}")
    within = int(within)
    registry = default_registry() if registry is None else registry
    available = registry.due_lists
    if ids is None:
        if registry.problems and not allow_broken_plugins:
            registry.check()
        chosen = dict(available)
    else:
        chosen = {}
        for due_id in ids:
            if due_id not in available:
                known = ", ".join(available) or "none"
                raise UsageError(f"no due list {due_id!r} is registered (registered: {known})")
            chosen[due_id] = available[due_id]
    warnings = [f"{p}; its due lists are not in these results" for p in registry.problems]

    pooled = dataset.las
    if la is not None and la not in pooled:
        raise UsageError(
            f"--la {la!r}: the dataset holds "
            + (f"the authorities {', '.join(pooled)}" if pooled else "a single authority")
        )
    if la is None and len(pooled) > 1:
        raise UsageError(
            f"the dataset holds several authorities ({', '.join(pooled)}): choose one with la"
        )

    params = dict(params or {})
    fed = {d.indicator for d in chosen.values()}
    for key in params:
        if key not in fed:
            raise UsageError(f"parameters given for {key!r}, which no chosen due list follows")

    lists: dict[str, pd.DataFrame] = {}
    unavailable: dict[str, str] = {}
    for due_id in sorted(chosen):
        due_list = chosen[due_id]
        reason = dataset.unavailable(due_list.tables)
        resolved: dict[str, Any] = {}
        fed_by = due_list.indicator
        if reason is None and fed_by is not None and fed_by in registry.indicators:
            try:
                resolved = registry.indicators[fed_by].resolve_params(params.get(fed_by))
            except ParameterError as exc:
                raise UsageError(f"{due_list.indicator}: {exc}") from None
        if reason is None:
            tables = {t: dataset.view(t, cols) for t, cols in due_list.tables.items()}
            tables.update(
                {
                    t: dataset.view(t, cols)
                    for t, cols in due_list.optional_tables.items()
                    if dataset.has(t) and t not in tables
                }
            )
            try:
                raw = check_due_frame(due_list, due_list.compute(tables, day, resolved))
            except NotComputable as exc:  # the plugin's words, without a child's id
                reason = redact_child_ids(str(exc), dataset)
            except BaseException as exc:  # one failing list does not stop the others
                if isinstance(exc, KeyboardInterrupt):
                    raise
                log.warning("due list %s failed: %s", due_id, type(exc).__name__)
                reason = plugin_failure(due_list.plugin, "due list", exc, dataset)
        if reason is not None:
            unavailable[due_id] = reason
            warnings.append(f"due list {due_id} is not available: {reason}")
            lists[due_id] = _empty_list()
            continue
        if la is not None and len(raw):
            raw = raw.loc[dataset.child_la(raw["child"].to_numpy(np.int64)) == la]
        frame = _finish(due_list, raw, dataset, day, within, include_later)
        if team is not None:
            frame = frame.loc[frame["team"].to_numpy(dtype=object) == team]
        if worker is not None:
            frame = frame.loc[frame["worker_id"].astype(str).to_numpy(dtype=object) == worker]
        lists[due_id] = frame.reset_index(drop=True)

    teams = (
        (team,)
        if team is not None
        else tuple(
            sorted({str(t) for f in lists.values() for t in f["team"].to_numpy(dtype=object)})
        )
    )
    return DueLists(
        as_at=day_date,
        within=within,
        lists=MappingProxyType(lists),
        summary=_summary(lists, chosen, unavailable),
        due_lists=MappingProxyType(dict(sorted(chosen.items()))),
        unavailable=MappingProxyType(unavailable),
        teams=teams,
        warnings=tuple(warnings),
    )


def known_teams(dataset: Dataset) -> tuple[str, ...]:
    """Every team a due list can name: ``workers.team``, plus the unallocated and no-team ones."""
    names = {UNALLOCATED, NO_TEAM}
    if dataset.has("workers"):
        names.update(str(t) for t in dataset.view("workers", ["team"])["team"].dropna().unique())
    return tuple(sorted(names))
