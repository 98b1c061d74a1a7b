"""Data-quality rules that cross records: what one row cannot show on its own.

:func:`~safeguarding_metrics.model.clean.clean_table` checks each table by itself (a plan that
ends before it starts, an assessment authorised before it started, a closure before its
referral: negative intervals, the fault on the later field). The rules here compare records
with each other, within a table or across two:

``cp_plans_overlap`` (error, field left out: ``cp_plans.end_date``)
    Two child protection plans of one child are open on the same day. The earlier plan (by
    start date, then ``plan_id``) should have ended when the next one started, so its
    ``end_date`` is the faulty field: the plan is left out of the indicators that read
    ``end_date`` (plans open, ended, reviews) and still counts as a plan started. Example: P1
    from 2015-01-05 with no end date and P2 from 2015-06-01, one child: P1's end date is
    left out, so at 2015-12-31 one plan is open, not two. A plan ending on the day the next
    one starts does not overlap it.
``cp_review_before_plan`` (error, field left out: ``cp_reviews.review_date``)
    A review conference dated before the start of its plan (same ``plan_id`` and child). The
    review is left out of the indicators that read review dates. Example: plan P1 from
    2015-06-01 with a review on 2015-05-20. A review on the plan's start day is not a fault
    (the review measures count reviews after the start).
``cp_review_unknown_plan`` (warning, kept)
    A review whose ``plan_id`` names no plan of the same child in ``cp_plans`` (checked only
    when that table is present). It stays in the table but no plan can count it.

Every fault names the table, file, row (the source row, ``_row``) and column, never a child
identifier. Pass the cleaned frames before or after child coding: a child is ``child`` when
that column exists, else (``la``, ``child_id``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs
import numpy as np
import pandas as pd

from .quality import QUALITY_COLUMNS, Action, Severity, first_dates

__all__ = ["RULES", "Rule", "RuleFaults", "cross_table_faults"]

_MaskAndReasons = tuple[np.ndarray, np.ndarray]


@attrs.frozen(kw_only=True)
class Rule:
    """A cross-record rule: the table and column its faults belong to, and its check."""

    code: str
    table: str
    column: str
    needs: tuple[str, ...]
    severity: Severity
    action: Action
    description: str
    check: Callable[
        [Mapping[str, pd.DataFrame], Mapping[str, Mapping[str, np.ndarray]]], _MaskAndReasons
    ] = attrs.field(repr=False)


@attrs.frozen(kw_only=True, eq=False)
class RuleFaults:
    """The faults one rule found in one table.

    Attributes
    ----------
    rule, table, column, severity, action
        Which rule, and where its faults belong.
    mask
        One boolean per row of ``tables[table]`` as passed in: the rows found faulty. When
        ``action`` is *field left out*, OR it into the table's field-fault mask for
        ``column``; a *kept* fault (a warning) leaves the row as it is.
    faults
        The data-quality rows (:data:`~safeguarding_metrics.model.quality.QUALITY_COLUMNS`),
        one per faulty row.
    """

    rule: str
    table: str
    column: str
    severity: Severity
    action: Action
    mask: np.ndarray
    faults: pd.DataFrame

    @property
    def leaves_out(self) -> bool:
        """Whether the faulty field is left out of the indicators that read it."""
        return self.action == Action.FIELD_LEFT_OUT

    def __len__(self) -> int:
        return int(self.mask.sum())


def _child_key(frame: pd.DataFrame) -> np.ndarray:
    """One comparable value per row identifying the child (``la`` included when present):
    the integer code of a coded table (``child``), else text."""
    if "child" in frame.columns:
        return frame["child"].to_numpy(np.int64)
    ids = frame["child_id"].astype(object).astype(str)
    if "la" in frame.columns:
        la = frame["la"].astype(object).where(frame["la"].notna(), "").astype(str)
        return (la + "\x1f" + ids).to_numpy(dtype=object)
    return ("\x1f" + ids).to_numpy(dtype=object)


def _days(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def _rows(frame: pd.DataFrame) -> np.ndarray:
    if "_row" in frame.columns:
        return frame["_row"].to_numpy()
    return np.arange(1, len(frame) + 1)


def _plans_overlap(
    tables: Mapping[str, pd.DataFrame], field_faults: Mapping[str, Mapping[str, np.ndarray]]
) -> _MaskAndReasons:
    plans = tables["cp_plans"]
    n = len(plans)
    mask = np.zeros(n, dtype=bool)
    reasons = np.full(n, "", dtype=object)
    if n < 2:
        return mask, reasons
    child = pd.factorize(_child_key(plans))[0]
    start, end = _days(plans["start_date"]), _days(plans["end_date"])
    # ties of a child's start broken by plan id, as text sorts (codes in sorted order)
    plan_id = pd.factorize(_as_text(plans["plan_id"]), sort=True)[0]
    order = np.lexsort((plan_id, start, child))
    same_child = np.zeros(n, dtype=bool)
    same_child[:-1] = child[order][1:] == child[order][:-1]
    next_start = np.full(n, np.datetime64("NaT", "D"))
    next_start[:-1] = start[order][1:]
    end_sorted = end[order]
    overlap = same_child & (np.isnat(end_sorted) | (end_sorted > next_start))
    already = field_faults.get("cp_plans", {}).get("end_date")
    if already is not None:
        overlap &= ~np.asarray(already, dtype=bool)[order]
    where = order[overlap]
    mask[where] = True
    next_row = np.zeros(n, dtype=np.int64)
    next_row[:-1] = _rows(plans)[order][1:]
    text = np.where(np.isnat(end_sorted), "has no end date", "ends after that day")
    reasons[where] = (
        "plan overlaps the same child's next plan (row "
        + pd.Series(next_row[overlap]).astype(str)
        + ", starting "
        + pd.Series(next_start[overlap].astype(str))
        + "), but this plan "
        + pd.Series(text[overlap])
        + "; end_date left out of the indicators that read it"
    ).to_numpy(dtype=object)
    return mask, reasons


def _as_text(values: pd.Series) -> pd.Series:
    """Identifiers as text for comparing: Arrow text as it is, anything else as ``str``."""
    if isinstance(values.dtype, pd.StringDtype):
        return values
    return values.astype(object).astype(str)


class _Tables(dict[str, pd.DataFrame]):
    """The tables one :func:`cross_table_faults` call checks, with what its rules share."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        super().__init__(tables)
        self.shared: dict[str, tuple[pd.DataFrame, np.ndarray]] = {}


def _review_plans(
    tables: Mapping[str, pd.DataFrame],
) -> tuple[pd.DataFrame, np.ndarray]:
    """Each review with its plan's start (``NaT`` when no plan of the child has that id);
    joined once per :func:`cross_table_faults` call (two rules read it)."""
    shared = tables.shared if isinstance(tables, _Tables) else None
    if shared is not None and "review_plans" in shared:
        return shared["review_plans"]
    found = _joined_review_plans(tables)
    if shared is not None:
        shared["review_plans"] = found
    return found


def _joined_review_plans(
    tables: Mapping[str, pd.DataFrame],
) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`_review_plans`: children and plan ids joined as integer codes (plan ids coded
    over both tables)."""
    reviews, plans = tables["cp_reviews"], tables["cp_plans"]
    plan_ids = pd.factorize(
        pd.concat([_as_text(reviews["plan_id"]), _as_text(plans["plan_id"])], ignore_index=True)
    )[0]
    child_review, child_plan = _child_key(reviews), _child_key(plans)
    if child_review.dtype == object or child_plan.dtype == object:
        children = pd.factorize(
            pd.Series(np.concatenate([child_review, child_plan]).astype(object))
        )[0]
        child_review, child_plan = children[: len(reviews)], children[len(reviews) :]
    left = pd.DataFrame(
        {
            "child": child_review,
            "plan_id": plan_ids[: len(reviews)],
            "position": np.arange(len(reviews)),
        }
    )
    right = pd.DataFrame(
        {
            "child": child_plan,
            "plan_id": plan_ids[len(reviews) :],
            "plan_start": _days(plans["start_date"]),
            "plan_row": _rows(plans),
        }
    ).drop_duplicates(["child", "plan_id"])
    joined = left.merge(right, on=["child", "plan_id"], how="left").sort_values("position")
    return joined, joined["plan_start"].to_numpy().astype("datetime64[D]")


def _review_before_plan(
    tables: Mapping[str, pd.DataFrame], field_faults: Mapping[str, Mapping[str, np.ndarray]]
) -> _MaskAndReasons:
    joined, plan_start = _review_plans(tables)
    review = _days(tables["cp_reviews"]["review_date"])
    mask = ~np.isnat(plan_start) & ~np.isnat(review) & (review < plan_start)
    reasons = np.full(len(mask), "", dtype=object)
    reasons[mask] = (
        "review dated before its plan starts (cp_plans row "
        + joined["plan_row"].astype("Int64").astype(str)[mask].reset_index(drop=True)
        + ", starting "
        + pd.Series(plan_start[mask].astype(str))
        + "); review_date left out of the indicators that read it"
    ).to_numpy(dtype=object)
    return mask, reasons


def _review_unknown_plan(
    tables: Mapping[str, pd.DataFrame], field_faults: Mapping[str, Mapping[str, np.ndarray]]
) -> _MaskAndReasons:
    _, plan_start = _review_plans(tables)
    mask = np.isnat(plan_start)
    reasons = np.full(len(mask), "", dtype=object)
    reasons[mask] = (
        "no plan of this child has this plan_id in cp_plans; record kept, but no plan counts "
        "the review"
    )
    return mask, reasons


#: The cross-record rules, in the order they run.
RULES: tuple[Rule, ...] = (
    Rule(
        code="cp_plans_overlap",
        table="cp_plans",
        column="end_date",
        needs=("cp_plans",),
        severity=Severity.ERROR,
        action=Action.FIELD_LEFT_OUT,
        description="two plans of one child open on the same day: the earlier plan's end "
        "date is left out",
        check=_plans_overlap,
    ),
    Rule(
        code="cp_review_before_plan",
        table="cp_reviews",
        column="review_date",
        needs=("cp_reviews", "cp_plans"),
        severity=Severity.ERROR,
        action=Action.FIELD_LEFT_OUT,
        description="a review conference dated before its plan's start is left out",
        check=_review_before_plan,
    ),
    Rule(
        code="cp_review_unknown_plan",
        table="cp_reviews",
        column="plan_id",
        needs=("cp_reviews", "cp_plans"),
        severity=Severity.WARNING,
        action=Action.KEPT,
        description="a review of no known plan of the child (kept; no plan counts it)",
        check=_review_unknown_plan,
    ),
)


def cross_table_faults(
    dataset_tables: Mapping[str, pd.DataFrame],
    *,
    files: Mapping[str, str] | None = None,
    field_faults: Mapping[str, Mapping[str, np.ndarray]] | None = None,
) -> list[RuleFaults]:
    """Run every cross-record rule over cleaned tables.

    Parameters
    ----------
    dataset_tables
        The usable rows of each table (as :func:`~safeguarding_metrics.model.clean.clean_table`
        or :attr:`Dataset.tables <safeguarding_metrics.Dataset.tables>` hold them): typed
        columns, ``_row`` the source row, and ``child_id`` (with ``la``) or ``child``.
    files
        How each table's source is named in messages; default ``"<table>"``.
    field_faults
        The field faults found so far, per table and column (masks over the same rows): a
        field already faulty is not reported again.

    Returns
    -------
    list of RuleFaults
        One per rule that found something, in the order of :data:`RULES`; the masks are
        aligned with the rows of ``dataset_tables[rule.table]``.
    """
    found: list[RuleFaults] = []
    field_faults = field_faults or {}
    dataset_tables = _Tables(dataset_tables)
    for rule in RULES:
        if any(name not in dataset_tables for name in rule.needs):
            continue
        mask, reasons = rule.check(dataset_tables, field_faults)
        if not mask.any():
            continue
        frame = dataset_tables[rule.table]
        file = (files or {}).get(rule.table, rule.table)
        faults = pd.DataFrame(
            {
                "table": rule.table,
                "file": file,
                "row": pd.array(_rows(frame)[mask], dtype="Int64"),
                "column": rule.column,
                "severity": str(rule.severity),
                "action": str(rule.action),
                "reason": reasons[mask],
                "date": first_dates(rule.table, frame, np.flatnonzero(mask)),
            },
            columns=list(QUALITY_COLUMNS),
        )
        found.append(
            RuleFaults(
                rule=rule.code,
                table=rule.table,
                column=rule.column,
                severity=rule.severity,
                action=rule.action,
                mask=mask,
                faults=faults,
            )
        )
    return found
