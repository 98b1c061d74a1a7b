"""Comparators: links with a like-for-like verdict, the ``register_benchmarks`` hook, benchmark
keys checked at registration, and quartiles that say what they are (issue 18)."""

from __future__ import annotations

import re
import types
from pathlib import Path

import attrs
import pandas as pd
import pytest

import safeguarding_metrics as sm
import safeguarding_metrics_national as national
import safeguarding_metrics_rotherham as rotherham
from safeguarding_metrics import hookimpl
from safeguarding_metrics.benchmarks import BenchmarkLink, Comparator
from safeguarding_metrics.benchmarks.results import (
    add_benchmarks,
    comparable_window,
    quartile_label,
)
from safeguarding_metrics.catalogue import catalogue_markdown
from safeguarding_metrics.engine import benchmark_year
from safeguarding_metrics_national.rereferrals import REREFERRALS_12M

CLUB = {("372", 2016): 70.0, ("370", 2016): 90.0, ("371", 2016): 80.0, ("E92000001", 2016): 75.0}


def _club(**overrides: object) -> Comparator:
    fields: dict[str, object] = dict(
        key="club.icpc_10wd",
        label="Example club: conferences within 10 working days",
        source="an example club",
        polarity="higher",
        decimals=1,
        values=CLUB,
    )
    fields.update(overrides)
    return Comparator(**fields)  # type: ignore[arg-type]


def _plugin(name: str, **hooks: object) -> types.SimpleNamespace:
    return types.SimpleNamespace(**{k: hookimpl(v) for k, v in hooks.items()})  # type: ignore[arg-type]


# --- the link -------------------------------------------------------------------------------


def test_a_plain_key_is_read_as_a_like_for_like_link() -> None:
    indicator = attrs.evolve(REREFERRALS_12M, benchmark="rereferrals_12m")
    assert indicator.benchmark == BenchmarkLink(key="rereferrals_12m", like_for_like=True)
    assert indicator.metadata()["benchmark"] == "rereferrals_12m"
    assert indicator.metadata()["benchmark_link"]["like_for_like"] is True
    assert attrs.evolve(REREFERRALS_12M, benchmark=None).benchmark is None


def test_a_link_that_is_not_like_for_like_must_say_why() -> None:
    with pytest.raises(ValueError, match="say why"):
        BenchmarkLink(key="CP_conf_15days", like_for_like=False)
    link = BenchmarkLink(key="CP_conf_15days", like_for_like=False, reason="timescale: 10 days")
    assert link.verdict() == "not like for like: timescale: 10 days"


def test_every_bundled_link_has_a_verdict_and_the_catalogue_shows_it() -> None:
    registry = sm.build_registry([("national", national), ("rotherham", rotherham)])
    links = {i.id: i.benchmark for i in registry if i.benchmark is not None}
    assert len(links) == 15
    assert all(link.reason for link in links.values())
    assert not links["rotherham.cpp_repeat_2y"].like_for_like
    assert "timescale" in links["rotherham.cpp_repeat_2y"].reason
    text = catalogue_markdown(registry)
    assert "`PrevRegCPR` (LAIT)" in text and "not like for like: timescale" in text


# --- the hook and the registry check ----------------------------------------------------------


def test_register_benchmarks_supplies_a_comparator_an_indicator_links_to() -> None:
    linked = attrs.evolve(
        REREFERRALS_12M,
        id="club.rereferrals",
        benchmark=BenchmarkLink(
            key="club.icpc_10wd", like_for_like=False, reason="another measure"
        ),
    )
    plugin = _plugin(
        "club", register_indicators=lambda: [linked], register_benchmarks=lambda: [_club()]
    )
    registry = sm.build_registry([("club", plugin)])
    assert registry.problems == ()
    assert set(registry.comparators) == {"club.icpc_10wd"}
    assert registry.comparator_provenance["club.icpc_10wd"].plugin == "club"


def test_an_unknown_benchmark_key_makes_the_plugin_broken() -> None:
    typo = attrs.evolve(REREFERRALS_12M, id="club.rereferrals", benchmark="rereferals_12m")
    registry = sm.build_registry([("club", _plugin("club", register_indicators=lambda: [typo]))])
    (info,) = registry.broken
    assert info.name == "club" and "'rereferals_12m'" in (info.error or "")
    assert "rereferrals_12m" in (info.error or "")  # the closest key
    with pytest.raises(sm.PluginError, match="rereferals_12m"):
        registry.check()


def test_a_comparator_key_outside_the_plugins_name_or_a_failing_hook_breaks_the_plugin() -> None:
    other = _plugin("club", register_benchmarks=lambda: [_club(key="other.x")])
    assert "does not start with" in (sm.build_registry([("club", other)]).broken[0].error or "")

    def fails() -> list[Comparator]:
        raise FileNotFoundError("data/club.csv")

    broken = sm.build_registry([("club", _plugin("club", register_benchmarks=fails))])
    assert "register_benchmarks() raised FileNotFoundError" in (broken.broken[0].error or "")


def test_comparator_from_csv_reads_the_plugins_own_package_data(tmp_path: Path) -> None:
    package = tmp_path / "club_pkg"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "club.csv").write_text(
        "area,year,value\n372,2015-16,70\n370,2016,\nE92000001,2016,75.5\n"
    )
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        made = Comparator.from_csv(
            "club_pkg",
            "data/club.csv",
            **{k: v for k, v in attrs.asdict(_club()).items() if k != "values"},
        )
        (package / "data" / "bad.csv").write_text("area,year,value\n372,2016,seventy\n")
        with pytest.raises(ValueError, match=r"club_pkg/data/bad.csv, row 2, column 'value'"):
            Comparator.from_csv(
                "club_pkg",
                "data/bad.csv",
                **{k: v for k, v in attrs.asdict(_club()).items() if k != "values"},
            )
    finally:
        sys.path.remove(str(tmp_path))
    assert dict(made.values) == {
        ("370", 2016): None,
        ("372", 2016): 70.0,
        ("E92000001", 2016): 75.5,
    }
    year = made.year(2016)
    assert year is not None and year.england == 75.5 and year.councils["372"] == 70.0


# --- quartiles that say what they are ---------------------------------------------------------


def test_quartile_labels_carry_their_year() -> None:
    assert quartile_label("D", 2015) == "D (published 2014-15)"
    assert quartile_label("A", 2016, figure=True) == "A (this figure among 2015-16 published)"
    assert quartile_label(None, 2015) == ""


@pytest.mark.parametrize(
    ("kind", "window", "start", "end", "comparable"),
    [
        ("flow", "period", "2015-04-01", "2016-03-31", True),
        ("flow", "period", "2015-01-01", "2015-12-31", True),
        ("flow", "period", "2015-12-01", "2015-12-31", False),
        ("flow", "ytd", "2015-12-01", "2015-12-31", False),
        ("flow", "ytd", "2016-03-01", "2016-03-31", True),
        ("flow", "rolling12", "2015-12-01", "2015-12-31", True),
        ("snapshot", "period", "2015-12-01", "2015-12-31", True),
    ],
)
def test_a_figure_is_ranked_only_over_a_comparable_window(
    kind: str, window: str, start: str, end: str, comparable: bool
) -> None:
    assert comparable_window(kind, window, start, end) is comparable


def _frame(value: float, start: str, end: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator": ["club.x"],
            "la": [None],
            "period_start": [pd.Timestamp(start)],
            "period_end": [pd.Timestamp(end)],
            "value": [value],
        }
    )


def _indicator(link: BenchmarkLink) -> object:
    return attrs.evolve(REREFERRALS_12M, id="club.x", benchmark=link)


def test_the_figure_is_ranked_among_every_councils_published_values() -> None:
    link = BenchmarkLink(key="club.icpc_10wd")
    comparators = {"club.icpc_10wd": _club()}
    year = _frame(95.0, "2015-04-01", "2016-03-31")
    out = add_benchmarks(
        year, {"club.x": _indicator(link)}, "372", "mean", [], "same", benchmark_year, comparators
    )
    row = out.iloc[0]
    assert row["quartile"] == "C"  # published 70: two of three councils better (4 * 2 // 3)
    assert row["figure_quartile"] == "A"  # 95 beats every published value
    assert row["benchmark_year"] == 2016 and row["england"] == 75.0
    assert row["like_for_like"] is True and row["benchmark"] == "club.icpc_10wd"
    month = _frame(95.0, "2015-12-01", "2015-12-31")  # a month's flow: not a full year
    out = add_benchmarks(
        month, {"club.x": _indicator(link)}, "372", "mean", [], "same", benchmark_year, comparators
    )
    assert out.iloc[0]["figure_quartile"] is None and out.iloc[0]["quartile"] == "C"


def test_a_comparator_not_like_for_like_is_labelled_and_has_no_quartile() -> None:
    link = BenchmarkLink(key="club.icpc_10wd", like_for_like=False, reason="timescale: 10 days")
    out = add_benchmarks(
        _frame(95.0, "2015-04-01", "2016-03-31"),
        {"club.x": _indicator(link)},
        "372",
        "mean",
        [],
        "same",
        benchmark_year,
        {"club.icpc_10wd": _club()},
    )
    row = out.iloc[0]
    assert row["england"] == 75.0 and row["like_for_like"] is False
    assert row["benchmark_note"] == "timescale: 10 days"
    assert row["quartile"] is None and row["figure_quartile"] is None


def test_published_rule_falls_back_to_the_periods_own_year_labelled() -> None:
    """The LAIT starts in 2015-16: a December 2015 period under the ``published`` rule (2014-15
    published by then) is set beside 2015-16, its own collection year, and says so."""
    link = BenchmarkLink(key="Continue_Assess_Comp")
    out = add_benchmarks(
        _frame(80.0, "2015-12-01", "2015-12-31"),
        {"club.x": _indicator(link)},
        "372",
        "mean",
        [],
        "published",
        benchmark_year,
    )
    row = out.iloc[0]
    assert row["benchmark_year"] == 2016 and row["england"] == 83.4
    # a year the tables hold stays the published one
    out = add_benchmarks(
        _frame(20.0, "2015-12-01", "2015-12-31"),
        {"club.x": _indicator(BenchmarkLink(key="rereferrals_12m"))},
        "372",
        "mean",
        [],
        "published",
        benchmark_year,
    )
    assert out.iloc[0]["benchmark_year"] == 2015 and out.iloc[0]["england"] == 24.2


def test_calculate_sets_every_linked_indicator_beside_england_for_2015_16(tmp_path: Path) -> None:
    """For a period of 2015-16 every bundled indicator with a published equivalent shows
    England, region and neighbours (those the DfE published for that year)."""
    registry = sm.build_registry([("national", national), ("rotherham", rotherham)])
    linked = [i.id for i in registry if i.benchmark is not None]
    frame = pd.DataFrame(
        {
            "indicator": linked,
            "la": [None] * len(linked),
            "period_start": [pd.Timestamp("2015-04-01")] * len(linked),
            "period_end": [pd.Timestamp("2016-03-31")] * len(linked),
            "value": [50.0] * len(linked),
        }
    )
    out = add_benchmarks(frame, registry.indicators, "372", "mean", [], "same", benchmark_year)
    shown = out.set_index("indicator")
    # the long-term stability measure is published from 2017-18 only
    missing = shown[shown["england"].isna()].index.tolist()
    assert missing == ["national.cla_long_term_stability"]
    assert shown.loc[linked, "neighbours_n"].fillna(0).ge(0).all()
    assert shown.drop(index=missing)["region"].notna().all()
    assert shown.drop(index=missing)["neighbours"].notna().all()


# --- labelled in results, charts and commentary ---------------------------------------------


def _series_row(like: bool, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "period": "December 2015",
        "period_start": pd.Timestamp("2015-12-01"),
        "period_end": pd.Timestamp("2015-12-31"),
        "value": 30.0,
        "numerator": 3,
        "denominator": 10,
        "england": 20.0,
        "neighbours": 25.0,
        "neighbours_n": 10,
        "quartile": None if not like else "D",
        "figure_quartile": None,
        "benchmark_year": 2015,
        "like_for_like": like,
        "benchmark_note": "" if like else "timescale: within 2 years, the DfE's ever",
        "target": None,
        "suppressed": False,
    }
    row.update(extra)
    return row


def test_commentary_draws_no_better_or_worse_from_a_comparator_not_like_for_like() -> None:
    from safeguarding_metrics.report.commentary import draft_commentary

    registry = sm.build_registry([("national", national), ("rotherham", rotherham)])
    indicator = registry.get("rotherham.cpp_repeat_2y")
    fair = draft_commentary(indicator, [_series_row(True)], window_label="Month", every="month")
    assert "worse" in fair.text and "2014-15 benchmarks" in fair.text
    unfair = draft_commentary(indicator, [_series_row(False)], window_label="Month", every="month")
    assert "worse" not in unfair.text and "better" not in unfair.text
    assert "not like for like (timescale: within 2 years" in unfair.text


def test_key_messages_never_call_a_figure_worse_than_a_comparator_not_like_for_like() -> None:
    from safeguarding_metrics.report.key_messages import worse_than_neighbours

    row = {"unit": "%", "polarity": "lower", "value": 30.0, "neighbours": 25.0}
    assert worse_than_neighbours({**row, "like_for_like": True})
    assert not worse_than_neighbours({**row, "like_for_like": False})


def test_the_summary_labels_quartiles_with_their_year_and_marks_a_comparator() -> None:
    from safeguarding_metrics.indicator import Unit
    from safeguarding_metrics.report.html import _benchmark_view

    fair = _benchmark_view(_series_row(True, figure_quartile="B"), Unit.PERCENT, "25.0% (10)")
    assert fair["quartile"] == "D (published 2014-15); B (this figure among 2014-15 published)"
    assert fair["england"] == "20.0%" and fair["benchmark_note"] == ""
    unfair = _benchmark_view(_series_row(False), Unit.PERCENT, "25.0% (10)")
    assert unfair["england"].endswith("†") and unfair["neighbours"].endswith("†")
    assert unfair["quartile"] == "– (not like for like)"
    assert unfair["benchmark_note"].startswith("† Not like for like: timescale")


def test_chart_benchmark_lines_say_which_year_they_show_where_it_changes() -> None:
    from safeguarding_metrics.report.charts import _benchmark_label, _benchmark_years

    series = pd.DataFrame({"benchmark_year": [2015, 2015, 2016, 2016], "like_for_like": [True] * 4})
    years, changes = _benchmark_years(series)
    assert years == ["2014-15", "2014-15", "2015-16", "2015-16"] and changes == [2]
    assert _benchmark_label("England", series, years, changes) == "England 2014-15 (then as marked)"
    one = series.assign(benchmark_year=2016, like_for_like=False)
    years, changes = _benchmark_years(one)
    assert changes == []
    assert _benchmark_label("England", one, years, changes) == "England 2015-16 (not like for like)"


def test_the_workbook_quartile_cell_says_what_it_is() -> None:
    from safeguarding_metrics.report.excel import _quartiles

    assert _quartiles(_series_row(True)) == "D (published 2014-15)"
    assert _quartiles(_series_row(True, quartile=None)) is None
    assert _quartiles(_series_row(False)).startswith("not like for like: timescale")  # type: ignore[union-attr]


def test_plugins_shows_a_plugin_whose_benchmark_key_is_mistyped(
    install_plugin: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from safeguarding_metrics.cli import main

    install_plugin(  # type: ignore[operator]
        "typo",
        """
        import attrs
        from safeguarding_metrics import hookimpl
        from safeguarding_metrics_national.rereferrals import REREFERRALS_12M

        @hookimpl
        def register_indicators():
            return [attrs.evolve(REREFERRALS_12M, id="typo.rereferrals", benchmark="CP_conf_15day")]
        """,
    )
    assert main(["plugins"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN" in out and "'CP_conf_15day'" in out and "CP_conf_15days" in out


def test_a_rolling_year_of_a_month_is_ranked_and_its_month_is_not() -> None:
    link = BenchmarkLink(key="club.icpc_10wd")
    frame = pd.concat(
        [
            _frame(95.0, "2015-12-01", "2015-12-31").assign(window=w)
            for w in ("period", "rolling12")
        ],
        ignore_index=True,
    )
    out = add_benchmarks(
        frame,
        {"club.x": _indicator(link)},
        "372",
        "mean",
        [],
        "same",
        benchmark_year,
        {"club.icpc_10wd": _club()},
    )
    assert list(out["figure_quartile"]) == [None, "A"]


def test_the_chart_and_its_words_say_the_year_and_the_verdict() -> None:
    from safeguarding_metrics.report.charts import chart_description, chart_svg
    from safeguarding_metrics.report.commentary import Commentary
    from safeguarding_metrics.report.model import SECTION_SERIES_COLUMNS, Section

    registry = sm.build_registry([("national", national), ("rotherham", rotherham)])
    rows = [
        _series_row(False, period=f"{m} 2015", benchmark_year=y, in_period=None, ytd=None)
        for m, y in (("October", 2015), ("November", 2016))
    ]
    rows[0].update(period_start=pd.Timestamp("2015-10-01"), period_end=pd.Timestamp("2015-10-31"))
    series = pd.DataFrame(rows).reindex(columns=list(SECTION_SERIES_COLUMNS))
    section = Section(
        indicator=registry.get("rotherham.cpp_repeat_2y"),
        window="period",
        series=series,
        teams=pd.DataFrame(),
        commentary=Commentary(text="", draft=True, source="drafted"),
    )
    words = chart_description(section)
    assert "England 2015-16 (not like for like) 20.0%" in words
    svg = chart_svg(section)  # glyphs are drawn as paths: the year change adds a label
    steady = chart_svg(attrs.evolve(section, series=series.assign(benchmark_year=2016)))
    assert svg is not None and steady is not None and "2015-16 (not like for like)" in svg
    assert len(svg) > len(steady)


def test_plugins_lists_a_plugins_comparators(
    install_plugin: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from safeguarding_metrics.cli import main

    install_plugin(  # type: ignore[operator]
        "club",
        """
        from safeguarding_metrics import hookimpl
        from safeguarding_metrics.benchmarks import Comparator

        @hookimpl
        def register_benchmarks():
            return [Comparator(key="club.x", label="x", source="s", polarity="higher",
                               decimals=1, values={("372", 2016): 1.0})]
        """,
    )
    assert main(["plugins"]) == 0
    assert "0 indicators, 1 comparator  ok" in capsys.readouterr().out
    assert main(["plugins", "--format", "json"]) == 0
    found = __import__("json").loads(capsys.readouterr().out)
    assert next(p for p in found if p["name"] == "club")["comparators"] == ["club.x"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"area": "372", "year": "2016", "value": "x"}], "row 2, column 'value'"),
        ([{"area": "999", "year": "2016", "value": "1"}], "row 2, column 'area': '999'"),
        ([{"area": "372", "year": "2016-18", "value": "1"}], "row 2, column 'year'"),
        ([{"area": "372", "year": "2016", "value": "1"}] * 2, "row 3: area 372 is given twice"),
        ([{"area": "372", "value": "1"}], "no column 'year'"),
    ],
)
def test_a_malformed_comparator_file_names_file_row_and_column(
    rows: list[dict[str, str]], message: str
) -> None:
    meta = {k: v for k, v in attrs.asdict(_club()).items() if k != "values"}
    with pytest.raises(
        ValueError, match=re.escape(f"club.csv{', ' if 'row' in message else ': '}{message}")
    ):
        Comparator.from_rows(rows, where="club.csv", **meta)
