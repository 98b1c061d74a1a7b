"""Reaching the council's database: the URL, the connection, and the SSD tables read in chunks.

Everything goes through SQLAlchemy 2 Core: ``mssql+pyodbc://`` in production (with Microsoft's
ODBC Driver 18 for SQL Server), ``postgresql+psycopg://``, ``sqlite:///`` and ``duckdb:///``.
Table and schema names are reflected and quoted by SQLAlchemy, never pasted into SQL text.
Values are fetched as the driver returns them (no type conversion on the way: a text in a
``datetime`` column of SQLite reaches the loader, which reports it like any other bad date).
Only ``SELECT`` statements are sent: read-only access is enough.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

import attrs
import pandas as pd
import sqlalchemy as sa
from tqdm import tqdm

from ...model.quality import Action, DataError, Fault, Severity
from .schema import SSD_TABLES

__all__ = [
    "DATE_WINDOWS",
    "SsdConnectionError",
    "SsdRead",
    "columns_of",
    "connect",
    "masked",
    "read_ssd_tables",
    "resolve_url",
]

#: Rows fetched from the database at a time.
CHUNK_ROWS = 50_000

#: Per SSD table, the dates that place a record in time for ``since``: (start, end or None).
#: Tables not listed (people, professionals, teams, disabilities) are always read whole.
DATE_WINDOWS: dict[str, tuple[str, str | None]] = {
    "ssd_contacts": ("cont_contact_date", None),
    "ssd_cin_episodes": ("cine_referral_date", "cine_close_date"),
    "ssd_cin_assessments": ("cina_assessment_start_date", "cina_assessment_auth_date"),
    "ssd_s47_enquiry": ("s47e_s47_start_date", "s47e_s47_end_date"),
    "ssd_initial_cp_conference": ("icpc_icpc_date", None),
    "ssd_cp_plans": ("cppl_cp_plan_start_date", "cppl_cp_plan_end_date"),
    "ssd_cp_reviews": ("cppr_cp_review_date", None),
    "ssd_cp_visits": ("cppv_cp_visit_date", None),
    "ssd_cin_plans": ("cinp_cin_plan_start_date", "cinp_cin_plan_end_date"),
    "ssd_cin_visits": ("cinv_cin_visit_date", None),
    "ssd_cla_episodes": ("clae_cla_episode_start_date", "clae_cla_episode_ceased_date"),
    "ssd_cla_placement": ("clap_cla_placement_start_date", "clap_cla_placement_end_date"),
    "ssd_legal_status": ("lega_legal_status_start_date", "lega_legal_status_end_date"),
    "ssd_cla_reviews": ("clar_cla_review_date", None),
    "ssd_cla_visits": ("clav_cla_visit_date", None),
    "ssd_cla_care_plan": ("lacp_cla_care_plan_start_date", "lacp_cla_care_plan_end_date"),
    "ssd_missing": ("miss_missing_episode_start_date", "miss_missing_episode_end_date"),
    "ssd_involvements": ("invo_involvement_start_date", "invo_involvement_end_date"),
    "ssd_care_leavers": ("clea_care_leaver_latest_contact", None),
}


class SsdConnectionError(DataError):
    """The database cannot be reached, or a table cannot be read: one line naming the URL
    with its password masked, and what the driver said (never a password or a child's id)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(
            Fault(
                table="",
                file=where,
                row=None,
                column=None,
                severity=Severity.ERROR,
                action=Action.NOT_READ,
                reason=reason,
            )
        )


def resolve_url(
    url: str | None = None, *, env: str | None = None, file: str | os.PathLike[str] | None = None
) -> sa.engine.URL:
    """The database URL, from the text itself, an environment variable, or a file's first
    non-blank line (so that a password need not sit in shell history).

    Raises
    ------
    ValueError
        None or several of the three given, the variable unset or empty, the file missing or
        empty, or the text not a URL (the message never repeats the URL: it may hold a
        password).
    """
    given = [x for x in (url, env, file) if x is not None]
    if len(given) != 1:
        raise ValueError(
            "give the database URL one way: the URL, an environment variable or a file"
        )
    if env is not None:
        text = os.environ.get(env, "").strip()
        if not text:
            raise ValueError(f"the environment variable {env} is not set or empty")
    elif file is not None:
        path = Path(file)
        try:
            lines = [s.strip() for s in path.read_text(encoding="utf-8-sig").splitlines()]
        except OSError as exc:
            raise ValueError(f"cannot read the URL file {path}: {exc.strerror}") from None
        text = next((s for s in lines if s and not s.startswith("#")), "")
        if not text:
            raise ValueError(f"the URL file {path} holds no URL")
    else:
        text = str(url).strip()
    try:
        return sa.engine.make_url(text)
    except (sa.exc.ArgumentError, ValueError):
        raise ValueError(
            "not a database URL (expected dialect+driver://user:password@host/database, "
            "e.g. mssql+pyodbc://..., postgresql+psycopg://..., sqlite:///file.sqlite)"
        ) from None


def masked(url: sa.engine.URL) -> str:
    """The URL as it may be shown: the password replaced by ``***``."""
    return url.render_as_string(hide_password=True)


def _clean(text: str, url: sa.engine.URL) -> str:
    """A driver's message on one line, without the password should a driver repeat it."""
    line = " ".join(str(text).split())
    if url.password:
        line = line.replace(str(url.password), "***")
    return line[:300]


def connect(url: str | sa.engine.URL | sa.engine.Engine) -> sa.engine.Engine:
    """An engine for ``url``, with the connection tried once.

    Raises
    ------
    SsdConnectionError
        The driver is not installed, the server cannot be reached or refuses the login: one
        line with the URL's password masked.
    """
    if isinstance(url, sa.engine.Engine):
        return url
    parsed = sa.engine.make_url(url) if isinstance(url, str) else url
    where = masked(parsed)
    try:
        engine = sa.create_engine(parsed)
    except Exception as exc:  # a dialect or driver that is not installed
        raise SsdConnectionError(
            where, f"cannot use this database URL: {type(exc).__name__}: {_clean(str(exc), parsed)}"
        ) from None
    try:
        with engine.connect():
            pass
    except Exception as exc:
        engine.dispose()
        first = str(getattr(exc, "orig", exc)) or type(exc).__name__
        raise SsdConnectionError(
            where, f"cannot connect to the database: {_clean(first, parsed)}"
        ) from None
    return engine


@attrs.frozen(kw_only=True, eq=False)
class SsdRead:
    """The SSD tables read: rows per table (column names lower-cased), the tables the
    database lacks, and the known columns each present table lacks."""

    tables: dict[str, pd.DataFrame]
    missing: tuple[str, ...]
    missing_columns: dict[str, tuple[str, ...]]
    labels: dict[str, str]


def _present(engine: sa.engine.Engine, schema: str | None) -> dict[str, str]:
    """The database's tables by lower-cased name (the SSD's names are lower case, but a
    deployment may not be)."""
    names = sa.inspect(engine).get_table_names(schema=schema)
    return {name.lower(): name for name in names}


def columns_of(connection: sa.Connection, name: str, schema: str | None) -> list[str]:
    """A table's column names, from an empty ``SELECT *`` (the name quoted by SQLAlchemy):
    portable where a dialect's reflection is not (DuckDB's with SQLAlchemy 2.1)."""
    query: sa.Select = sa.select(sa.literal_column("*"))
    query = query.select_from(sa.table(name, schema=schema))
    return list(connection.execute(query.limit(0)).keys())


def _statement(
    actual: str, names: list[str], name: str, schema: str | None, since: dt.date | None
) -> tuple[sa.Select, sa.Select, tuple[str, ...]]:
    """The SELECT of the SSD's known columns (untyped: as the driver returns them), in the
    order of the table's row identifier, with the ``since`` filter; its COUNT; the columns
    absent."""
    by_lower = {n.lower(): n for n in names}
    fields = [f for f, _ in SSD_TABLES[name]]
    table = sa.table(actual, *(sa.column(n) for n in names), schema=schema)
    present = {f: table.c[by_lower[f]] for f in fields if f in by_lower}
    columns = [column.label(f) for f, column in present.items()]
    absent = tuple(f for f in fields if f not in by_lower)
    statement = sa.select(*columns)
    window = DATE_WINDOWS.get(name)
    if since is not None and window is not None and window[0] in present:
        day = dt.datetime(since.year, since.month, since.day)
        start = present[window[0]]
        condition = sa.or_(start >= day, start.is_(None))
        if window[1] is not None and window[1] in present:
            end = present[window[1]]
            condition = sa.or_(condition, end.is_(None), end >= day)
        statement = statement.where(condition)
    count = sa.select(sa.func.count()).select_from(statement.subquery())
    if fields[0] in present:
        statement = statement.order_by(present[fields[0]])
    return statement, count, absent


def read_ssd_tables(
    engine: sa.engine.Engine,
    *,
    schema: str | None = None,
    tables: Iterable[str] | None = None,
    since: dt.date | None = None,
    progress: bool = True,
) -> SsdRead:
    """Read the SSD tables in chunks (:data:`CHUNK_ROWS` rows), with a progress bar.

    Parameters
    ----------
    engine
        From :func:`connect`.
    schema
        The schema holding the ``ssd_*`` tables (default: the connection's own).
    tables
        Which SSD tables (default: every one this library reads).
    since
        Read only the records open on or dated after this day (see :data:`DATE_WINDOWS`);
        default: the whole history.
    progress
        A bar per table on standard error (tqdm).

    Raises
    ------
    SsdConnectionError
        A table cannot be read (permissions, a broken view): its name and the driver's words.
    """
    wanted = list(tables) if tables is not None else list(SSD_TABLES)
    url = engine.url
    try:
        present = _present(engine, schema)
    except Exception as exc:
        first = str(getattr(exc, "orig", exc))
        raise SsdConnectionError(
            masked(url), f"cannot list the tables{_in(schema)}: {_clean(first, url)}"
        ) from None
    out: dict[str, pd.DataFrame] = {}
    missing_columns: dict[str, tuple[str, ...]] = {}
    labels: dict[str, str] = {}
    for name in wanted:
        if name not in present:
            continue
        label = f"{schema}.{name}" if schema else name
        labels[name] = label
        try:
            frame, absent = _read_one(engine, present[name], name, schema, since, progress, label)
        except SsdConnectionError:
            raise
        except Exception as exc:
            first = str(getattr(exc, "orig", exc))
            raise SsdConnectionError(
                masked(url), f"cannot read {label}: {_clean(first, url)}"
            ) from None
        out[name] = frame
        if absent:
            missing_columns[name] = absent
    missing = tuple(n for n in wanted if n not in present)
    return SsdRead(tables=out, missing=missing, missing_columns=missing_columns, labels=labels)


def _in(schema: str | None) -> str:
    return f" in schema {schema}" if schema else ""


def _read_one(
    engine: sa.engine.Engine,
    actual: str,
    name: str,
    schema: str | None,
    since: dt.date | None,
    progress: bool,
    label: str,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """One table's rows, fetched :data:`CHUNK_ROWS` at a time."""
    with engine.connect() as connection:
        names = columns_of(connection, actual, schema)
        statement, count, absent = _statement(actual, names, name, schema, since)
        total = int(connection.execute(count).scalar_one())
        result = connection.execution_options(yield_per=CHUNK_ROWS).execute(statement)
        keys = list(result.keys())
        parts = []
        with tqdm(
            total=total, desc=f"reading {label}", unit=" rows", disable=not progress, leave=False
        ) as bar:
            for chunk in result.partitions():
                # columns straight from the rows' tuples (pandas' own row handling asks each
                # Row for attributes it does not have, ten times slower)
                values = list(zip(*chunk, strict=True))
                parts.append(pd.DataFrame(dict(zip(keys, values, strict=True)), columns=keys))
                bar.update(len(chunk))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=keys)
    return frame.astype(object), absent
