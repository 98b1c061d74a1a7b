"""Councils (local authorities with children's services) and their statistical neighbours.

A council is known by its DfE *old code* (three digits, ``"372"``), its ONS *new code*
(``"E08000018"``; earlier codes of the same council are accepted too) or its name. The old code
is the key everywhere: it is stable across the years, while new codes change when boundaries
or council types change (North Yorkshire ``E10000023`` became ``E06000065`` in 2023).

Statistical neighbours come from the DfE's April 2021 and 2025 models: ten councils each,
ranked from the closest. See :func:`default_model` for which model a year uses.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable

import attrs

from safeguarding_metrics.benchmarks import _data

__all__ = [
    "NEIGHBOUR_MODELS",
    "LocalAuthority",
    "authorities",
    "default_model",
    "neighbour_codes",
    "neighbours_of",
    "resolve_la",
]

NEIGHBOUR_MODELS: tuple[str, ...] = ("2021", "2025")
"""The statistical neighbour models shipped: the DfE's April 2021 groupings and its 2025 model."""


def _str_tuple(items: Iterable[str]) -> tuple[str, ...]:
    """Converter: any iterable of strings to a tuple (typed for mypy)."""
    return tuple(items)


def _codes(text: str) -> tuple[str, ...]:
    return tuple(text.split()) if text else ()


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split("|")) if text else ()


@attrs.frozen(kw_only=True)
class LocalAuthority:
    """A council with children's services, as the DfE tables name it.

    Attributes
    ----------
    old_code : str
        DfE three-digit code, e.g. ``"372"``: the key used throughout.
    new_code : str
        ONS GSS code in the latest tables, e.g. ``"E08000018"``.
    name : str
        Name as the DfE tables spell it, e.g. ``"Rotherham"``.
    region_code, region_name : str
        Government office region (``E12...``). London councils belong to London
        (``E12000007``); the DfE tables also place them in Inner or Outer London.
    other_new_codes : tuple of str
        Other ONS codes the tables use for the same council (earlier codes, or a newer code
        only some tables use yet), also accepted by :func:`resolve_la`.
    aliases : tuple of str
        Other spellings found in the DfE files (``"Bournemouth, Christchurch & Poole"``).
    created, abolished : str
        ISO dates for councils created or abolished within the tables' years, else ``""``.
    predecessors, successors : tuple of str
        Old codes of the councils this one replaced or was replaced by.
    note : str
        The reorganisation in words, else ``""``.
    """

    old_code: str
    new_code: str
    name: str
    region_code: str
    region_name: str
    other_new_codes: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    created: str = ""
    abolished: str = ""
    predecessors: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    successors: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    note: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.old_code}, {self.new_code})"

    def exists_on(self, day: str) -> bool:
        """Whether the council existed on ``day`` (ISO date ``YYYY-MM-DD``).

        Parameters
        ----------
        day : str
            The day, e.g. ``"2021-03-31"``.

        Returns
        -------
        bool
            ``created <= day < abolished``, each bound ignored when empty.
        """
        return (not self.created or self.created <= day) and (
            not self.abolished or day < self.abolished
        )


@functools.cache
def authorities() -> tuple[LocalAuthority, ...]:
    """Every council in the packaged tables, ordered by old code.

    Returns
    -------
    tuple of LocalAuthority
        Current councils and those abolished since 2013 (Dorset County, Poole, Bournemouth,
        Northamptonshire, Cumbria).
    """
    table = _data.la_table()
    return tuple(
        LocalAuthority(
            old_code=row.old_code,
            new_code=row.new_code,
            name=row.name,
            region_code=row.region_code,
            region_name=row.region_name,
            other_new_codes=_codes(row.other_new_codes),
            aliases=_names(row.aliases),
            created=row.created,
            abolished=row.abolished,
            predecessors=_codes(row.predecessors),
            successors=_codes(row.successors),
            note=row.note,
        )
        for row in table.itertuples(index=False)
    )


def _normal(name: str) -> str:
    """Case-, space- and punctuation-insensitive form of a name (``&`` read as ``and``)."""
    text = name.casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _name_keys(la: LocalAuthority) -> set[str]:
    keys = set()
    for name in (la.name, *la.aliases):
        keys.add(_normal(name))
        # "Bristol, City of" and "Herefordshire, County of" are also known without the suffix.
        head, _, tail = name.partition(",")
        if _normal(tail) in {"city of", "county of"}:
            keys.add(_normal(head))
    return keys


@functools.cache
def _index() -> tuple[dict[str, LocalAuthority], dict[str, tuple[LocalAuthority, ...]]]:
    by_code: dict[str, LocalAuthority] = {}
    by_name: dict[str, list[LocalAuthority]] = {}
    for la in authorities():
        for code in (la.old_code, la.new_code, *la.other_new_codes):
            by_code[code.upper()] = la
        for key in _name_keys(la):
            by_name.setdefault(key, []).append(la)
    return by_code, {key: tuple(las) for key, las in by_name.items()}


def resolve_la(code_or_name: str | LocalAuthority) -> LocalAuthority:
    """Find a council by old code, new code or name.

    Parameters
    ----------
    code_or_name : str or LocalAuthority
        ``"372"``, ``"E08000018"`` (any ONS code the council has had in the tables) or
        ``"Rotherham"``; names ignore case, spacing and punctuation (``"st helens"``,
        ``"Bristol"``). A :class:`LocalAuthority` is returned as it is.

    Returns
    -------
    LocalAuthority

    Raises
    ------
    LookupError
        Unknown council, with the closest names; or a name shared by two councils that both
        still exist.

    Notes
    -----
    A name shared by an abolished and a current council means the current one: ``"Dorset"``
    is Dorset Council (838, from 2019); Dorset County Council is ``"835"`` or
    ``"Dorset (Pre LG)"``.
    """
    if isinstance(code_or_name, LocalAuthority):
        return code_or_name
    text = str(code_or_name).strip()
    by_code, by_name = _index()
    if text.upper() in by_code:
        return by_code[text.upper()]
    matches = by_name.get(_normal(text), ())
    current = tuple(la for la in matches if not la.abolished) or matches
    if len(current) == 1:
        return current[0]
    if len(current) > 1:
        listed = "; ".join(str(la) for la in current)
        raise LookupError(f"{text!r} names more than one council: {listed}. Give the code.")
    names = {_normal(la.name): la for la in authorities()}
    close = difflib.get_close_matches(_normal(text), list(names), n=5, cutoff=0.6)
    close += [key for key in names if _normal(text) and _normal(text) in key and key not in close]
    hint = (
        f" Did you mean: {'; '.join(str(names[key]) for key in close[:5])}?"
        if close
        else " No council has a similar name."
    )
    raise LookupError(
        f"Unknown council {text!r}: give a DfE old code (372), an ONS new code (E08000018) "
        f"or a name (Rotherham).{hint}"
    )


def default_model(year: int) -> str:
    """The statistical neighbour model a collection year uses unless told otherwise.

    Parameters
    ----------
    year : int
        DfE ``time_period`` (the year ending 31 March; 2015 is 2014-15).

    Returns
    -------
    str
        ``"2021"`` (April 2021 groupings) up to and including 2024 (2023-24), ``"2025"`` from
        2025 (2024-25) on. The April 2021 model is the oldest shipped, so it also serves the
        years before 2021 (the seed report compares 2014-15 with these neighbours).

    Notes
    -----
    :func:`~safeguarding_metrics.benchmarks.benchmark` falls back to the other model when the
    council has no entry in this one (Cumberland and Westmorland and Furness, created in
    2023, are only in the 2025 model; Cumbria and Northamptonshire only in the 2021 one) and
    says so in the result's notes.
    """
    return "2025" if year >= 2025 else "2021"


def _check_model(model: str) -> str:
    text = str(model).strip()
    if text not in NEIGHBOUR_MODELS:
        raise ValueError(
            f"Unknown neighbour model {model!r}: choose one of {', '.join(NEIGHBOUR_MODELS)}."
        )
    return text


@functools.cache
def _neighbour_map() -> dict[tuple[str, str], tuple[str, ...]]:
    table = _data.neighbour_table().sort_values(["model", "la", "rank"])
    out: dict[tuple[str, str], list[str]] = {}
    for model, la, neighbour in zip(table["model"], table["la"], table["neighbour"], strict=True):
        out.setdefault((model, la), []).append(neighbour)
    return {key: tuple(codes) for key, codes in out.items()}


def neighbour_codes(la: str | LocalAuthority, model: str) -> tuple[str, ...]:
    """Old codes of a council's ten statistical neighbours, closest first.

    Parameters
    ----------
    la : str or LocalAuthority
        The council (see :func:`resolve_la`).
    model : str
        ``"2021"`` or ``"2025"``.

    Returns
    -------
    tuple of str
        Empty when the council has no entry in that model.
    """
    return _neighbour_map().get((_check_model(model), resolve_la(la).old_code), ())


def neighbours_of(la: str | LocalAuthority, model: str) -> tuple[LocalAuthority, ...]:
    """A council's ten statistical neighbours, closest first.

    Parameters
    ----------
    la : str or LocalAuthority
        The council (see :func:`resolve_la`).
    model : str
        ``"2021"`` or ``"2025"``.

    Returns
    -------
    tuple of LocalAuthority
        Empty when the council has no entry in that model.

    Examples
    --------
    >>> [n.name for n in neighbours_of("Rotherham", "2021")][:3]
    ['Doncaster', 'Wigan', 'Dudley']
    """
    return tuple(resolve_la(code) for code in neighbour_codes(la, model))
