"""Documentation generated from the code: the definitions catalogue and the data contract.

``make docs`` (``scripts/make_docs.py``) writes ``docs/indicators.md`` and
``docs/data-contract.md`` from these functions, and a test fails when the files in the
repository differ from what the code says, so the docs cannot drift from the definitions.
"""

from __future__ import annotations

import inspect

from .benchmarks.comparator import BenchmarkLink
from .indicator import SECTION_NAMES, Indicator
from .model import table_specs
from .registry import Registry

__all__ = ["catalogue_markdown", "contract_markdown"]


def _first_paragraph(text: str) -> str:
    return inspect.cleandoc(text).split("\n\n", 1)[0].replace("\n", " ")


def _benchmark_words(link: BenchmarkLink, registry: Registry) -> str:
    """The comparator an indicator is set beside, what it is, and the like-for-like verdict."""
    from .benchmarks.lookup import get_measure

    if link.key in registry.comparators:
        comparator = registry.comparators[link.key]
        what = f"`{link.key}`, {comparator.label} ({comparator.source})"
    else:
        try:
            measure = get_measure(link.key)
        except LookupError:
            what = f"`{link.key}` (unknown)"
        else:
            origin = "LAIT" if measure.source == "lait" else f"DfE {measure.dfe_ref or 'table'}"
            what = f"`{link.key}` ({origin}): {measure.title}"
    return f"- Benchmark: {what}; {link.verdict()}"


def _section_words(indicator: Indicator) -> str:
    """Where the report places an indicator, saying so when it declares no section."""
    name = SECTION_NAMES[indicator.placed_section]
    if indicator.section is None:
        return f"{name} (it declares no section: placed there by default)"
    return f"{name} (order {indicator.order})"


def catalogue_markdown(registry: Registry) -> str:
    """The definitions catalogue: every registered indicator with its metadata."""
    lines = [
        "# Definitions catalogue",
        "",
        "Generated from the indicator registry by `make docs`; do not edit by hand.",
        "Each indicator's full definition (numerator, denominator, exclusions, notes on",
        "boundaries, references) is the docstring of its function, reproduced below.",
        "",
        "The table lists them as the report does, by section in the order of a child's",
        "journey (front door, assessment, child protection, children in need, looked after,",
        "adoption, care leavers, workforce), then by their order within it.",
        "",
        "| section | id | title | kind | unit | polarity | plugin |",
        "|---|---|---|---|---|---|---|",
    ]
    for indicator in sorted(registry, key=lambda i: i.report_order):
        prov = registry.provenance[indicator.id]
        lines.append(
            f"| {SECTION_NAMES[indicator.placed_section]} "
            f"| [`{indicator.id}`](#{indicator.id.replace('.', '')}) | {indicator.title} | "
            f"{indicator.kind} | {indicator.unit} | {indicator.polarity} | {prov.plugin} |"
        )
    for indicator in registry:
        prov = registry.provenance[indicator.id]
        lines += ["", f"## {indicator.id}", "", f"**{indicator.title}**", ""]
        if indicator.plain:
            lines += [f"*In plain words:* {indicator.plain}", ""]
        lines.append(indicator.description)
        lines.append("")
        lines.append(f"- Report section: {_section_words(indicator)}")
        if indicator.count_label:
            counted = f"- Counts: {indicator.count_label}"
            if indicator.of_which_label:
                counted += f"; of which: {indicator.of_which_label}"
            lines.append(counted)
        lines.append(
            f"- Kind: {indicator.kind}; unit: {indicator.unit}; better: {indicator.polarity}"
        )
        tables = "; ".join(f"`{t}` ({', '.join(c)})" for t, c in indicator.tables.items())
        lines.append(f"- Reads: {tables}")
        if indicator.optional_tables:
            optional = "; ".join(
                f"`{t}` ({', '.join(c)})" for t, c in indicator.optional_tables.items()
            )
            lines.append(f"- Reads when present: {optional}")
        if indicator.populated:
            needed = ", ".join(
                f"`{t}.{c}`" for t, cols in indicator.populated.items() for c in cols
            )
            lines.append(
                f"- Needs populated: {needed} (not computable when empty in every record of "
                "the span it reads)"
            )
        lines.append(f"- Look-back (data-quality findings it reads): {indicator.reads_back}")
        why = f" ({indicator.headline_reason})" if indicator.headline_reason else ""
        lines.append(f"- Headline window (what a report leads with): {indicator.headline}{why}")
        lines.append(f"- Source: {indicator.source or 'not stated'}")
        lines.append(f"- Definition version: {indicator.definition_version}")
        if indicator.target is not None:
            lines.append(f"- Default target: {indicator.target:g}")
        if indicator.benchmark:
            lines.append(_benchmark_words(indicator.benchmark, registry))
        lines.append(f"- Plugin: `{prov.plugin}` ({prov.distribution or 'not installed'})")
        feeding = [d.id for d in registry.due_lists.values() if d.indicator == indicator.id]
        if feeding:
            lists = ", ".join(f"[`{d}`](#due-lists)" for d in feeding)
            lines.append(f"- Due list: {lists} (who is overdue, who falls due next)")
        if indicator.parameters:
            lines += ["", "| parameter | default | choices | meaning |", "|---|---|---|---|"]
            for p in indicator.parameters:
                choices = ", ".join(f"`{c}`" for c in p.choices) if p.choices else p.type.__name__
                lines.append(f"| `{p.name}` | `{p.default!r}` | {choices} | {p.description} |")
        doc = inspect.getdoc(indicator.compute)
        if doc:
            lines += [
                "",
                "<details><summary>Full definition</summary>",
                "",
                "```text",
                doc,
                "```",
                "",
                "</details>",
            ]
    if registry.due_lists:
        lines += [
            "",
            "## Due lists",
            "",
            "The weekly child-level lists of open cases with their due dates "
            "(`safeguarding-metrics due`, [due-lists.md](due-lists.md)). A case in a list's "
            "overdue band is one its indicator counts as not met as at the same day.",
            "",
            "| id | title | feeds | due rule | reads | plugin |",
            "|---|---|---|---|---|---|",
        ]
        for due_list in registry.due_lists.values():
            prov = registry.due_list_provenance[due_list.id]
            tables = "; ".join(f"`{t}`" for t in due_list.tables)
            feeds = f"`{due_list.indicator}`" if due_list.indicator else "–"
            rule = due_list.description.replace("|", "\\|").replace("\n", " ")
            lines.append(
                f"| `{due_list.id}` | {due_list.title} | {feeds} | {rule} | {tables} | "
                f"{prov.plugin} |"
            )
    return "\n".join(lines) + "\n"


def contract_markdown() -> str:
    """The canonical tables, column by column, from the record classes."""
    lines = [
        "# The data contract: canonical tables",
        "",
        "Generated from `safeguarding_metrics.model.records` by `make docs`; do not edit by",
        "hand. The rules of the contract (CSV format, identifiers, open records, negative",
        "intervals, what bad input gets) are in [data-quality.md](data-quality.md).",
        "",
        "A dataset is a folder with one file per table, `<table>.csv` or `<table>.parquet`.",
        "Every table is optional; columns marked **required** must be present and filled.",
        "Every table may carry `la` (the local authority) for pooled datasets.",
        "",
        "Dates (kind `date`) and date-times (`datetime`) are written ISO (`YYYY-MM-DD`,",
        "`YYYY-MM-DDTHH:MM:SS`). Read, they may also be in the forms councils' exports carry,",
        "each with or without a time part (dropped from a date): ISO 8601 with `Z` or an offset",
        "(converted to UK local time), `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy`,",
        "`dd/mm/yy`, `YYYYMMDD`, `1 Jan 2017`, Excel serial numbers (10000-73050), spreadsheet",
        "date cells. A two-digit year is 20yy unless that falls after the year the file",
        "describes (a return's collection year; for a dataset folder, the current year), then",
        "19yy. Day first always: a value that cannot be read unambiguously (`05/31/2017`,",
        "`31/04/2017`, `080517`) is a finding with the reason, never a guess.",
    ]
    for spec in table_specs().values():
        lines += ["", f"## `{spec.name}`", "", spec.description, ""]
        lines += ["| column | kind | required | meaning | codes |", "|---|---|---|---|---|"]
        for c in spec.columns:
            codes = ", ".join(sorted(c.codes)) if c.codes else ""
            lines.append(
                f"| `{c.name}` | {c.kind} | {'**required**' if c.required else ''} | "
                f"{c.doc} | {codes} |"
            )
        notes = []
        if spec.key:
            notes.append(f"Key (unique): {', '.join(spec.key)}.")
        for start, end in spec.intervals:
            notes.append(f"`{end}` before `{start}` is a negative interval (a data error).")
        if notes:
            lines += ["", *notes]
    return "\n".join(lines) + "\n"
