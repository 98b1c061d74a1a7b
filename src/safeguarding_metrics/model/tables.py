"""The canonical tables, derived once from the record classes in :mod:`.records`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

import attrs

from .records import RECORD_TYPES

__all__ = ["Column", "TableSpec", "table_spec", "table_specs"]


@attrs.frozen(kw_only=True)
class Column:
    """One column of a canonical table."""

    name: str
    kind: str
    required: bool
    doc: str
    codes: frozenset[str] | None = None


@attrs.frozen(kw_only=True)
class TableSpec:
    """One canonical table: its columns, key, intervals, and the record class of its rows."""

    name: str
    record: type
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    intervals: tuple[tuple[str, str], ...]
    description: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def has_child(self) -> bool:
        return "child_id" in self.column_names

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")


def _spec(record: type) -> TableSpec:
    codes: Mapping[str, frozenset[str]] = getattr(record, "codes", {})
    columns = tuple(
        Column(
            name=f.name,
            kind=f.metadata["kind"],
            required=f.metadata["required"],
            doc=f.metadata["doc"],
            codes=codes.get(f.name),
        )
        for f in attrs.fields(record)
    )
    return TableSpec(
        name=record.table,  # type: ignore[attr-defined]
        record=record,
        columns=columns,
        key=record.key,  # type: ignore[attr-defined]
        intervals=getattr(record, "intervals", ()),
        description=(record.__doc__ or "").strip().splitlines()[0],
    )


@cache
def table_specs() -> Mapping[str, TableSpec]:
    """Every canonical table by name, in the order of the data contract."""
    return MappingProxyType({r.table: _spec(r) for r in RECORD_TYPES})  # type: ignore[attr-defined]


def table_spec(name: str) -> TableSpec:
    """The canonical table called ``name``; a clear error naming the known tables otherwise."""
    specs = table_specs()
    if name not in specs:
        raise KeyError(f"unknown table {name!r}; the canonical tables are: {', '.join(specs)}")
    return specs[name]
