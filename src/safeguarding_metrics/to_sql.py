"""Results to a database table, for the dashboards (Power BI and the like) that read tables.

:func:`results_to_sql` writes the result rows of a :func:`~safeguarding_metrics.calculate` run
with the run's time (UTC) and each indicator's parameters. Re-running the same council,
indicators, periods, windows and parameters replaces those rows (a dashboard never shows a
figure twice); rows of other councils, periods or parameters stay. The table is created when
absent and gains a column when the results gain one (a new benchmark column, say); nothing
else of the database is touched. Identifiers are quoted by SQLAlchemy, never pasted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd
import sqlalchemy as sa

from . import __version__
from .engine import Results
from .io.ssd.database import SsdConnectionError, columns_of, connect, masked

__all__ = ["KEY_COLUMNS", "SqlWritten", "result_rows", "results_to_sql"]

#: The columns that say which figure a row is: a re-run with the same values replaces it.
KEY_COLUMNS = ("council", "indicator", "period_start", "period_end", "window", "parameters")


@attrs.frozen(kw_only=True)
class SqlWritten:
    """What :func:`results_to_sql` did: rows written, rows of an earlier run replaced, and
    the columns the table gained."""

    rows: int
    replaced: int
    added_columns: tuple[str, ...]
    created: bool


def _parameters(results: Results, params: Mapping[str, Mapping[str, Any]] | None) -> pd.Series:
    """Each indicator's parameters as the run used them (its defaults, overridden by
    ``params``), as JSON text with sorted keys: the same choices give the same text."""
    given = params or {}
    texts = {}
    for indicator_id, indicator in results.indicators.items():
        values = {
            p.name: given.get(indicator_id, {}).get(p.name, p.default) for p in indicator.parameters
        }
        texts[indicator_id] = json.dumps(values, sort_keys=True, default=str)
    return results.frame["indicator"].map(texts).fillna("{}")


def result_rows(
    results: Results,
    *,
    council: str | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    run_at: dt.datetime | None = None,
) -> pd.DataFrame:
    """The rows :func:`results_to_sql` writes: the results frame with ``council``,
    ``parameters`` (JSON), ``run_at`` (UTC, without a zone) and ``library_version``."""
    frame = results.frame.copy()
    frame.insert(0, "council", council or "")
    frame["parameters"] = _parameters(results, params).to_numpy(dtype=object)
    moment = run_at or dt.datetime.now(dt.UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    frame["run_at"] = moment.replace(microsecond=0)
    frame["library_version"] = __version__
    return frame


def _sql_type(values: pd.Series) -> sa.types.TypeEngine:
    """A column's SQL type from its values (text when they are mixed)."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if pd.api.types.is_bool_dtype(values.dtype) or kind == "boolean":
        return sa.Boolean()
    if pd.api.types.is_datetime64_any_dtype(values.dtype) or kind == "datetime":
        return sa.DateTime()
    if kind == "date":
        return sa.Date()
    if kind in ("integer",) and pd.api.types.is_integer_dtype(values.dtype):
        return sa.BigInteger()
    if kind in ("floating", "integer", "mixed-integer-float", "decimal"):
        return sa.Float()
    if kind == "empty":
        return sa.Float() if pd.api.types.is_float_dtype(values.dtype) else sa.UnicodeText()
    return sa.UnicodeText()


def _key_type(name: str) -> sa.types.TypeEngine | None:
    """Key columns get bounded text types, so that every database can compare them."""
    if name in ("council", "indicator", "window"):
        return sa.Unicode(200)
    if name == "parameters":
        return sa.Unicode(2000)
    if name in ("period_start", "period_end"):
        return sa.Date()
    return None


def _values(frame: pd.DataFrame, types: Mapping[str, sa.types.TypeEngine]) -> list[dict[str, Any]]:
    """Rows as Python values: missing -> ``None``; text columns as text."""
    data: dict[str, list[Any]] = {}
    for name in frame.columns:
        values = frame[name].astype(object)
        missing = pd.isna(values).to_numpy(dtype=bool) if len(values) else np.zeros(0, dtype=bool)
        if isinstance(types[name], sa.UnicodeText | sa.Unicode):
            values = values.map(lambda v: v if isinstance(v, str) else str(v))
        elif isinstance(types[name], sa.Float):
            values = pd.to_numeric(values, errors="coerce").astype(object)
        column = values.tolist()
        for i in np.flatnonzero(missing):
            column[i] = None
        data[name] = column
    names = list(frame.columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*data.values(), strict=True)]


def _add_columns(
    connection: sa.Connection,
    table: str,
    schema: str | None,
    frame: pd.DataFrame,
    types: Mapping[str, Any],
) -> tuple[str, ...]:
    """``ALTER TABLE ... ADD`` each column of ``frame`` the table lacks (names quoted)."""
    have = {n.lower() for n in columns_of(connection, table, schema)}
    added = []
    preparer = connection.dialect.identifier_preparer
    keyword = "ADD" if connection.dialect.name == "mssql" else "ADD COLUMN"
    for name in frame.columns:
        if name.lower() in have:
            continue
        kind = types[name].compile(dialect=connection.dialect)
        where = preparer.format_table(sa.table(table, schema=schema))
        connection.execute(sa.text(f"ALTER TABLE {where} {keyword} {preparer.quote(name)} {kind}"))
        added.append(name)
    return tuple(added)


def _delete_earlier(connection: sa.Connection, table: sa.TableClause, frame: pd.DataFrame) -> int:
    """Delete the rows an earlier run wrote for the same council, indicators, periods,
    windows and parameters; returns how many."""
    c = table.c
    removed = 0
    groups = frame.groupby(["council", "parameters", "period_start", "period_end"], dropna=False)
    for (council, parameters, start, end), rows in groups:
        result = connection.execute(
            table.delete().where(
                c.council == council,
                c.parameters == parameters,
                c.period_start == start,
                c.period_end == end,
                c.indicator.in_(sorted(pd.unique(rows["indicator"]))),
                c.window.in_(sorted(pd.unique(rows["window"]))),
            )
        )
        removed += max(int(result.rowcount or 0), 0)
    return removed


def results_to_sql(
    results: Results,
    url: str | sa.engine.URL | sa.engine.Engine,
    table: str = "results",
    *,
    schema: str | None = None,
    council: str | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    run_at: dt.datetime | None = None,
) -> SqlWritten:
    """Write the results to a database table (see the module docstring).

    Parameters
    ----------
    results
        From :func:`~safeguarding_metrics.calculate`.
    url
        A SQLAlchemy URL or engine (``mssql+pyodbc://``, ``postgresql+psycopg://``,
        ``sqlite:///``, ``duckdb:///``).
    table, schema
        Where to write (created when absent).
    council
        The council's code or name (``calculate``'s ``la``), part of what a row is.
    params
        The parameters the run was given (``calculate``'s ``params``): with the indicators'
        defaults, the ``parameters`` column of every row.
    run_at
        The run's time (default now, UTC).

    Raises
    ------
    SsdConnectionError
        The database cannot be reached (one line, the password masked).
    """
    frame = result_rows(results, council=council, params=params, run_at=run_at)
    types = {name: _key_type(name) or _sql_type(frame[name]) for name in frame.columns}
    engine = connect(url)
    try:
        with engine.begin() as connection:
            created = not sa.inspect(connection).has_table(table, schema=schema)
            if created:
                created_table = sa.Table(
                    table,
                    sa.MetaData(),
                    *(sa.Column(name, kind) for name, kind in types.items()),
                    schema=schema,
                )
                created_table.create(connection)
                added: tuple[str, ...] = ()
            else:
                added = _add_columns(connection, table, schema, frame, types)
            # the table as it now is, its columns named as the database names them
            names = {n.lower(): n for n in columns_of(connection, table, schema)}
            renamed = frame.rename(columns={n: names.get(n.lower(), n) for n in frame.columns})
            typed = {names.get(n.lower(), n): t for n, t in types.items()}
            target = sa.table(
                table, *(sa.column(n, typed.get(n)) for n in names.values()), schema=schema
            )
            replaced = 0 if created else _delete_earlier(connection, target, renamed)
            rows = _values(renamed, typed)
            if rows:
                connection.execute(target.insert(), rows)
    except sa.exc.SQLAlchemyError as exc:  # permissions, a table of another shape...
        first = " ".join(str(getattr(exc, "orig", exc)).split())[:300]
        if engine.url.password:
            first = first.replace(str(engine.url.password), "***")
        raise SsdConnectionError(
            masked(engine.url), f"cannot write the results to table {table}: {first}"
        ) from None
    finally:
        if not isinstance(url, sa.engine.Engine):
            engine.dispose()
    return SqlWritten(rows=len(frame), replaced=replaced, added_columns=added, created=created)
