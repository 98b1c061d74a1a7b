"""Several returns, several years: one history, with every merge and conflict listed.

The rows read from every return are concatenated table by table, normalised (ISO dates,
true/false, codes), and validated one by one with the loader's own rules
(:func:`safeguarding_metrics.model.clean.clean_table`), the findings pointing at the return's
file, row (XML: line) and column (XML: element). Then records are matched across returns:

- the same child in several returns is linked by its identifier (``child_id``, or ``la`` and
  ``child_id`` in a pooled import); identifiers that differ only by case are *not* linked,
  and a warning says so (without the identifiers);
- a record is matched on its table's key (``referral_id``, ``plan_id``, ...; the synthesised
  CIN census ids are built so that the same record has the same id every year) or, for tables
  without one, on its natural key (:data:`MERGE_KEYS`: an episode of care is the child and its
  start date);
- identical records count once;
- records that agree wherever both have a value are merged into one: a later return completes
  an earlier one (an episode open at 31 March closed in the next year's return);
- these repeats are counted as ``merged`` (a note gives the number per table); a repeat within
  one file (or one Annex A list) is also listed as a warning, since it is a fault of that
  return;
- records that disagree on any value (the same referral with two closure dates) are *all* set
  aside and listed with the columns that differ: nothing says which return is right.

For every source file and table: ``read == used + merged + set_aside``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import attrs
import numpy as np
import pandas as pd

from ..model.clean import clean_table
from ..model.quality import QUALITY_COLUMNS, Action, DataError, Fault, Severity, faults_frame
from ..model.tables import table_spec, table_specs
from .common import Extract, normalise_frame, text_values
from .ssda903 import adoption_dates_from_episodes

__all__ = ["COUNT_COLUMNS", "MERGE_KEYS", "Combined", "combine", "raise_first_error"]

#: How records of a table without a key are matched across returns.
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "cp_reviews": ("plan_id", "review_date"),
    "care_episodes": ("child_id", "start_date"),
    "cla_reviews": ("child_id", "review_date"),
    "visits": ("child_id", "visit_date", "visit_type"),
    "care_plans": ("child_id", "plan_type", "updated_date"),
    "missing": ("child_id", "start_date", "kind"),
    "allocations": ("child_id", "worker_id", "start_date"),
}

#: The columns of :attr:`Combined.counts`.
COUNT_COLUMNS = ("source", "kind", "file", "table", "read", "used", "merged", "set_aside")

_DATE_HINT = "(expected a date: YYYY-MM-DD, DD/MM/YYYY or an Excel serial number)"


@attrs.frozen(kw_only=True, eq=False)
class Combined:
    """Canonical frames (normalised text), the findings, and the counts per file and table."""

    frames: dict[str, pd.DataFrame]
    quality: pd.DataFrame
    counts: pd.DataFrame
    notes: tuple[str, ...]


def _rows_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(QUALITY_COLUMNS)) if rows else pd.DataFrame()


def _pivots(extracts: Sequence[Extract], frame: pd.DataFrame) -> np.ndarray:
    """Per row, the collection year of its return, against which two-digit years are read
    (the current year for a return without one)."""
    today = dt.date.today().year
    years = np.array([today if e.pivot_year is None else e.pivot_year for e in extracts])
    return years[frame["_src"].to_numpy(dtype="int64")]


def combine(extracts: Sequence[Extract]) -> Combined:
    """Validate, link, merge and count the rows of several extracts (see the module docstring)."""
    chunks: list[pd.DataFrame] = []
    notes: list[str] = []
    dropped: list[tuple[str, str, int]] = []
    kinds: dict[str, tuple[str, str]] = {}
    names: dict[tuple[str, str], dict[str, str]] = {}
    for extract in extracts:
        if extract.faults:
            chunks.append(_rows_frame([attrs.asdict(f) for f in extract.faults]))
        notes.extend(extract.notes)
        dropped.extend(extract.dropped)
        names.update(extract.columns)
        for chunk_list in extract.frames.values():
            for frame in chunk_list:
                for file in pd.unique(frame["_file"]):
                    kinds[str(file)] = (extract.kind, extract.label)
        for _, file, _ in extract.dropped:
            kinds.setdefault(file, (extract.kind, extract.label))

    tables: dict[str, pd.DataFrame] = {}
    for name in table_specs():
        parts = [
            f.assign(_src=i)
            for i, e in enumerate(extracts)
            for f in e.frames.get(name, [])
            if len(f)
        ]
        if parts:
            frame = pd.concat(parts, ignore_index=True, sort=False)
            tables[name] = normalise_frame(name, frame, pivot_year=_pivots(extracts, frame))
        elif any(name == t for t, _, _ in dropped):
            tables[name] = pd.DataFrame()

    chunks.extend(_case_warnings(tables, names))

    counts: dict[tuple[str, str], list[int]] = {}

    def count(table: str, files: pd.Series, what: int) -> None:
        for file, n in files.value_counts(sort=False).items():
            counts.setdefault((str(file), table), [0, 0, 0])[what] += int(n)

    out: dict[str, pd.DataFrame] = {}
    derived_note = ""
    for name, frame in tables.items():
        if frame.empty:
            continue
        count(name, frame["_file"], 0)
        usable, faults = _validate(name, frame, names)
        chunks.append(faults)
        kept, merge_faults, merged = _merge(name, frame.loc[usable])
        chunks.append(merge_faults)
        count(name, merged, 2)
        if len(merged):
            notes.append(
                f"{name}: {len(merged):,} records repeated in several returns (or lists) merged "
                "into one"
            )
        if name == "adoptions" and "care_episodes" in out:
            kept, added = _with_derived_adoptions(kept, frame.loc[usable], out["care_episodes"])
            if len(added):
                count(name, added["_file"], 0)
                derived_note = (
                    f"adoptions: {len(added)} children's adoption order / placement order dates "
                    "derived from the SSDA903 episodes (REC E11/E12, LS E1), with no AD1, "
                    "PlacedAdoption or Annex A record"
                )
        count(name, kept["_file"], 1)
        out[name] = kept
    if "care_episodes" in out and "adoptions" not in tables:
        derived = adoption_dates_from_episodes(out["care_episodes"])
        if len(derived):
            derived = derived.assign(_pos=-1)
            count("adoptions", derived["_file"], 0)
            count("adoptions", derived["_file"], 1)
            out["adoptions"] = derived
            derived_note = (
                f"adoptions: {len(derived)} children's adoption order / placement order dates "
                "derived from the SSDA903 episodes (REC E11/E12, LS E1)"
            )
    if derived_note:
        notes.append(derived_note)
    for table, file, n in dropped:
        counts.setdefault((file, table), [0, 0, 0])[0] += n

    count_rows = []
    for (file, table), (read, used, merged_n) in counts.items():
        kind, label = kinds.get(file, ("", file))
        count_rows.append(
            dict(
                source=label,
                kind=kind,
                file=file,
                table=table,
                read=read,
                used=used,
                merged=merged_n,
                set_aside=read - used - merged_n,
            )
        )
    order = {name: i for i, name in enumerate(table_specs())}
    counts_frame = pd.DataFrame(count_rows, columns=list(COUNT_COLUMNS))
    if len(counts_frame):
        counts_frame = counts_frame.sort_values(
            ["file", "table"], key=lambda s: s.map(order) if s.name == "table" else s
        ).reset_index(drop=True)
    frames = {name: _canonical(name, frame) for name, frame in out.items()}
    quality = faults_frame([c for c in chunks if len(c)])
    return Combined(frames=frames, quality=quality, counts=counts_frame, notes=tuple(notes))


def _canonical(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical columns present (in the contract's order), ``la`` last when present."""
    spec = table_spec(name)
    columns = [c for c in spec.column_names if c in frame.columns and c != "la"]
    if "la" in frame.columns and frame["la"].notna().any():
        columns.append("la")
    out = frame.loc[:, columns].reset_index(drop=True)
    return out.astype(object).where(out.notna(), None)


def _source_name(
    names: dict[tuple[str, str], dict[str, str]], table: str, file: str, col: str
) -> str:
    return names.get((table, file), {}).get(col, col)


def _validate(
    name: str, frame: pd.DataFrame, names: dict[tuple[str, str], dict[str, str]]
) -> tuple[np.ndarray, pd.DataFrame]:
    """Per-record checks by the loader's rules; faults translated to the source's positions."""
    spec = attrs.evolve(table_spec(name), key=())
    n = len(frame)
    canon = [c for c in spec.column_names if c in frame.columns]
    raw = frame.loc[:, canon].reset_index(drop=True)
    raw["_pos"] = np.arange(n)  # unique: exact duplicates are matched later, across returns
    clean = clean_table(spec, raw, file="", rows=np.arange(n))
    usable = np.zeros(n, dtype=bool)
    usable[clean.frame["_row"].to_numpy(dtype=np.int64)] = True
    faults = clean.faults
    if not len(faults):
        return usable, faults
    pos = faults["row"].to_numpy(dtype=np.int64)
    files = frame["_file"].to_numpy(dtype=object)[pos]
    rows = frame["_row"].to_numpy()[pos].astype(np.int64)
    columns = faults["column"].to_numpy(dtype=object)
    for col in pd.unique(columns):
        at = f"_at_{col}"
        if col is None or at not in frame.columns:
            continue
        mask = columns == col
        lines = pd.to_numeric(frame[at], errors="coerce").to_numpy()[pos[mask]]
        rows[mask] = np.where(np.isnan(lines), rows[mask], lines).astype(np.int64)
    out = faults.copy()
    out["file"] = files
    out["row"] = rows
    out["column"] = [
        None if c is None or c != c else _source_name(names, name, f, c)
        for f, c in zip(files, columns, strict=True)
    ]
    out["reason"] = (
        out["reason"].astype(str).str.replace("(expected YYYY-MM-DD)", _DATE_HINT, regex=False)
    )
    return usable, out


def _where(frame: pd.DataFrame, positions: np.ndarray) -> pd.Series:
    """``<file> row <n>`` of the rows at ``positions`` of ``frame``."""
    files = frame["_file"].to_numpy(dtype=object)[positions]
    rows = frame["_row"].to_numpy()[positions]
    return pd.Series([f"{Path(str(f)).name} row {r}" for f, r in zip(files, rows, strict=True)])


def _merge(name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Count identical records once, merge agreeing ones, set aside conflicting ones."""
    spec = table_spec(name)
    frame = frame.sort_values(["_src", "_row"], kind="stable").reset_index(drop=True)
    if frame.empty:
        return frame, pd.DataFrame(), pd.Series(dtype=object)
    compare = [c for c in spec.column_names if c in frame.columns]
    # source fields no canonical column holds, compared all the same (SSDA903 REVIEW_CODE)
    dropped = [c for c in frame.columns if str(c).startswith("_cmp_")]
    for column in dropped:
        frame[column] = text_values(frame[column])
    key = list(spec.key or MERGE_KEYS.get(name, ()))
    if "la" in frame.columns and frame["la"].notna().any() and "la" not in key:
        key = ["la", *key]
    faults: list[pd.DataFrame] = []
    n = len(frame)
    merged = np.zeros(n, dtype=bool)
    # where a record comes from: a file, and the part of it (SSDA903 table, Annex A list)
    part = frame["_part"] if "_part" in frame.columns else pd.Series("", index=frame.index)
    origin = (frame["_file"].astype(str) + "\x1f" + part.fillna("").astype(str)).to_numpy()

    def add(mask: np.ndarray, reasons: pd.Series | str, column: str | None, sev: Severity) -> None:
        if not mask.any():
            return
        faults.append(
            pd.DataFrame(
                {
                    "table": name,
                    "file": frame["_file"].to_numpy(dtype=object)[mask],
                    "row": frame["_row"].to_numpy()[mask],
                    "column": column,
                    "severity": str(sev),
                    "action": str(Action.SET_ASIDE),
                    "reason": reasons if isinstance(reasons, str) else np.asarray(reasons),
                }
            )
        )

    both = compare + dropped
    filled = frame.loc[:, both].astype(object).where(frame[both].notna(), "\x00")
    identical = filled.duplicated(keep="first").to_numpy()
    if identical.any():
        first = (
            pd.Series(np.arange(n))
            .groupby([filled[c] for c in both], sort=False)
            .transform("first")
            .to_numpy()
        )
        # a repeat within one file is a fault of that return; across returns it is expected
        same = identical & (origin == origin[first])
        reasons = "identical to " + _where(frame, first[same]) + "; counted once"
        add(same, reasons, None, Severity.WARNING)
        merged[identical] = True
    keep = ~identical
    if key and all(k in frame.columns for k in key):
        sub = frame.loc[keep]
        shared = (
            sub.duplicated(key, keep=False).to_numpy() & sub[key].notna().all(axis=1).to_numpy()
        )
        if shared.any():
            where = np.flatnonzero(keep)[shared]
            group = frame.loc[where]
            grouped = group.groupby(key, sort=False)
            others = [c for c in compare if c not in key]
            distinct = grouped[others].nunique(dropna=True) if others else pd.DataFrame()
            conflict_groups = (
                (distinct > 1).any(axis=1) if len(distinct.columns) else pd.Series(dtype=bool)
            )
            gid = grouped.ngroup().to_numpy()
            conflicted = (
                conflict_groups.to_numpy()[gid]
                if len(conflict_groups)
                else np.zeros(len(gid), bool)
            )
            first_pos = pd.Series(where).groupby(gid).transform("first").to_numpy()
            size = pd.Series(gid).map(pd.Series(gid).value_counts()).to_numpy()
            if conflicted.any():
                differ = (
                    (distinct > 1)
                    .apply(lambda r: ", ".join(c for c, v in r.items() if v), axis=1)
                    .to_numpy()[gid]
                )
                mask = np.zeros(n, dtype=bool)
                mask[where[conflicted]] = True
                reasons = (
                    pd.Series(size[conflicted]).astype(str)
                    + " records share ("
                    + ", ".join(key)
                    + ") but differ in "
                    + pd.Series(differ[conflicted])
                    + " (first at "
                    + _where(frame, first_pos[conflicted])
                    + "); all set aside: nothing says which is right"
                )
                add(mask, reasons, key[-1], Severity.ERROR)
                keep[where[conflicted]] = False
            agreeing = ~conflicted
            repeat = agreeing & (where != first_pos)
            if repeat.any():
                lost = _dropped_differences(grouped, dropped, gid)
                same = repeat & ((origin[where] == origin[first_pos]) | (lost != ""))
                mask = np.zeros(n, dtype=bool)
                mask[where[same]] = True
                reasons = (
                    "the same record as "
                    + _where(frame, first_pos[same])
                    + " ("
                    + ", ".join(key)
                    + "); merged into it, blanks completed from each other"
                    + pd.Series(lost[same])
                )
                add(mask, reasons, None, Severity.WARNING)
                merged[where[repeat]] = True
                heads = where[agreeing & (where == first_pos)]
                if others:
                    completed = (
                        group.loc[agreeing].groupby(key, sort=False, as_index=False)[others].first()
                    )
                    heads_key = frame.loc[heads, key].reset_index(drop=True)
                    values = heads_key.merge(completed, on=key, how="left", validate="1:1")
                    frame.loc[heads, others] = values[others].to_numpy()
                keep[where[repeat]] = False
    merged_files = frame.loc[merged, "_file"]
    kept = frame.loc[keep].reset_index(drop=True)
    return kept, faults_frame(faults) if faults else pd.DataFrame(), merged_files


def _dropped_differences(grouped: object, dropped: list[str], gid: np.ndarray) -> np.ndarray:
    """Per record of the groups sharing a key: ``"; <FIELD> differed (...)"`` naming each source
    field outside the canonical columns whose values differ within its group, else ``""``."""
    out = np.full(len(gid), "", dtype=object)
    for column in dropped:
        distinct = grouped[column].nunique(dropna=True).to_numpy()[gid]  # type: ignore[index]
        field = column.removeprefix("_cmp_")
        out[distinct > 1] += (
            f"; their {field} differed (not carried by the canonical tables: only the first "
            "record's is read)"
        )
    return out


def _with_derived_adoptions(
    kept: pd.DataFrame, usable: pd.DataFrame, episodes: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill the blank adoption and placement order dates from the episodes; add the adopted
    children that no adoption record names (never those whose records were set aside)."""
    derived = adoption_dates_from_episodes(episodes)
    if derived.empty:
        return kept, derived
    keys = [k for k in ("la", "child_id") if k in derived.columns and k in kept.columns]
    if not keys:
        keys = ["child_id"]
    index = pd.MultiIndex.from_frame(derived[keys].astype(object))
    lookup = derived.set_axis(index)
    here = pd.MultiIndex.from_frame(kept[keys].astype(object)) if len(kept) else index[:0]
    kept = kept.copy()
    for column in ("adoption_order_date", "placement_order_date"):
        values = lookup[column].reindex(here).to_numpy()
        if column not in kept.columns:
            kept[column] = None
        kept[column] = kept[column].where(kept[column].notna(), values)
    known = pd.MultiIndex.from_frame(usable[keys].astype(object)) if len(usable) else index[:0]
    added = derived[~index.isin(known)].assign(_src=-1)
    if len(added):
        kept = pd.concat([kept, added], ignore_index=True, sort=False)
    return kept, added


def _case_warnings(
    tables: dict[str, pd.DataFrame], names: dict[tuple[str, str], dict[str, str]]
) -> list[pd.DataFrame]:
    """A warning where a child identifier differs from an earlier one only by case."""
    parts = []
    for name, frame in tables.items():
        if frame.empty or "child_id" not in frame.columns:
            continue
        at = frame["_at_child_id"] if "_at_child_id" in frame.columns else frame["_row"]
        parts.append(
            pd.DataFrame(
                {
                    "table": name,
                    "file": frame["_file"].to_numpy(dtype=object),
                    "row": pd.to_numeric(at, errors="coerce").fillna(frame["_row"]).to_numpy(),
                    "id": frame["child_id"].to_numpy(dtype=object),
                }
            )
        )
    if not parts:
        return []
    ids = pd.concat(parts, ignore_index=True)
    ids = ids[ids["id"].notna()].drop_duplicates("id", keep="first")
    low = ids["id"].astype(str).str.casefold()
    variant = low.duplicated(keep="first").to_numpy()
    if not variant.any():
        return []
    first = ids.groupby(low.to_numpy(), sort=False)["row"].transform("first").to_numpy()
    first_file = ids.groupby(low.to_numpy(), sort=False)["file"].transform("first").to_numpy()
    hits = ids[variant]
    out = pd.DataFrame(
        {
            "table": hits["table"].to_numpy(),
            "file": hits["file"].to_numpy(),
            "row": hits["row"].astype(np.int64).to_numpy(),
            "column": [
                _source_name(names, t, f, "child_id")
                for t, f in zip(hits["table"], hits["file"], strict=True)
            ],
            "severity": str(Severity.WARNING),
            "action": str(Action.KEPT),
            "reason": [
                f"this child identifier differs only by case from one at {Path(str(f)).name} "
                f"row {int(r)}: they are kept as two different children"
                for f, r in zip(first_file[variant], first[variant], strict=True)
            ],
        }
    )
    return [out]


def raise_first_error(quality: pd.DataFrame) -> None:
    """In strict mode: raise the first error-level finding of ``quality`` (file, row, column
    and reason, as the finding holds them) as a :class:`DataError`; nothing when none."""
    errors = quality[quality["severity"] == str(Severity.ERROR)] if len(quality) else quality
    if not len(errors):
        return
    first = errors.iloc[0]
    raise DataError(
        Fault(
            table=str(first["table"]),
            file=str(first["file"]),
            row=None if pd.isna(first["row"]) else int(first["row"]),
            column=None if pd.isna(first["column"]) else str(first["column"]),
            severity=Severity.ERROR,
            action=first["action"],
            reason=str(first["reason"]),
        )
    )
