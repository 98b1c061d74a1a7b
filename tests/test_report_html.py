"""The HTML performance report: escaping, self-containment, layout, charts, and the page as
headless Chromium renders it (with a full-page screenshot kept as a test artefact)."""

from __future__ import annotations

import datetime as dt
import html as html_module
import itertools
import re
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import safeguarding_metrics as sm
from safeguarding_metrics.engine import Results
from safeguarding_metrics.indicator import Indicator
from safeguarding_metrics.report import build_report
from safeguarding_metrics.report.charts import OKABE_ITO, chart_svg, palette_in
from safeguarding_metrics.report.html import CONTENT_SECURITY_POLICY, render_html, write_html
from safeguarding_metrics.report.model import (
    SECTION_SERIES_COLUMNS,
    SUMMARY_COLUMNS,
    TEAM_COLUMNS,
    Commentary,
    Report,
    Section,
)
from safeguarding_metrics.synthetic import generate, write_csv

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "test-artefacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example/x","click")'
HOSTILE = f"{SCRIPT} & \"quotes\" 'apos' {FORMULA} <img src=x onerror=alert(2)>"


# --- a report made by hand -----------------------------------------------------------------


def _months(n: int = 9) -> list[tuple[dt.date, dt.date]]:
    out = []
    for i in range(n):
        year, month = 2015 + (3 + i) // 12, (3 + i) % 12 + 1
        start = dt.date(year, month, 1)
        end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
        out.append((start, end))
    return out


def _quarters() -> list[tuple[dt.date, dt.date]]:
    return [
        (dt.date(2015, 4, 1), dt.date(2015, 6, 30)),
        (dt.date(2015, 7, 1), dt.date(2015, 9, 30)),
        (dt.date(2015, 10, 1), dt.date(2015, 12, 31)),
    ]


def _indicator(
    id: str, *, title: str, kind: str = "snapshot", unit: str = "%", **extra: Any
) -> Indicator:
    return Indicator(
        id=id,
        title=title,
        description=extra.pop("description", f"{title}: the definition in words."),
        kind=kind,
        unit=unit,
        polarity=extra.pop("polarity", "higher"),
        tables={"referrals": ("child",)},
        compute=lambda tables, periods, params: pd.DataFrame(),
        source=extra.pop("source", "DfE guidance 2015"),
        **extra,
    )


def _series(
    periods: list[tuple[dt.date, dt.date]],
    values: list[float],
    *,
    flow: bool = False,
    target: float | None = None,
    england: float | None = None,
    neighbours: float | None = None,
) -> pd.DataFrame:
    rows = []
    previous: float | None = None
    for (start, end), value in zip(periods, values, strict=True):
        direction = None
        if previous is not None:
            direction = (
                "unchanged"
                if round(value, 1) == round(previous, 1)
                else ("improving" if value > previous else "worsening")
            )
        status = None
        if target is not None:
            status = "green" if value >= target else ("amber" if value >= target - 2 else "red")
        rows.append(
            {
                "period": f"{start:%Y-%m}",
                "period_start": pd.Timestamp(start),
                "period_end": pd.Timestamp(end),
                "numerator": round(value),
                "denominator": 100,
                "value": value,
                "previous_value": previous,
                "direction": direction,
                "in_period": value - 3 if flow else None,
                "ytd": value - 1 if flow else None,
                "rolling12": value if flow else None,
                "target": target,
                "target_status": status,
                "england": england,
                "neighbours": neighbours,
                "quartile": "B" if england is not None else None,
                "benchmark_year": 2016 if england is not None else None,
                "suppressed": False,
            }
        )
        previous = value
    return pd.DataFrame(rows, columns=list(SECTION_SERIES_COLUMNS))


def _summary_row(section: Section) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(SUMMARY_COLUMNS)
    indicator = section.indicator
    row.update(
        indicator=indicator.id,
        title=indicator.title,
        kind=str(indicator.kind),
        unit=str(indicator.unit),
        polarity=str(indicator.polarity),
        window=section.window,
        status=section.status,
        reason=section.reason,
        suppressed=False,
    )
    for key, value in section.latest.items():
        if key in row and key not in ("indicator", "window"):
            row[key] = value
    if section.latest:
        row["neighbours_n"] = 10 if section.latest.get("neighbours") is not None else None
    return row


def _empty_results() -> Results:
    return Results(
        frame=pd.DataFrame(),
        cohorts={},
        breakdown=pd.DataFrame(),
        dataset=None,  # type: ignore[arg-type]  # not read by the writers
        indicators={},
    )


def hand_report(*, every: str = "month", hostile: bool = True) -> Report:
    """Four sections: a hostile plugin's flow measure with teams and council commentary, a
    snapshot with a draft, a count, and one that is not computable."""
    periods = _months() if every == "month" else _quarters()
    n = len(periods)
    bad = HOSTILE if hostile else "text"
    evil_title = HOSTILE if hostile else "Contacts decided within 24 hours"
    evil = _indicator(
        "evil.measure",
        title=evil_title,
        kind="flow",
        description=f"Definition {HOSTILE}" if hostile else "Contacts decided in time.",
        source=f"Source {HOSTILE}" if hostile else "Local",
    )
    teams = pd.DataFrame(
        [
            # issue 16: each team judged against the target
            {"team": f"Team {bad}", "numerator": 40, "denominator": 50, "value": 80.0},
            {"team": "Assessment Team 2", "numerator": 9, "denominator": 10, "value": 90.0},
        ]
    )
    teams["suppressed"] = False
    teams["target_status"] = ["red", "green"]
    sections = [
        Section(
            indicator=evil,
            window="rolling12",
            series=_series(
                periods,
                [70 + 2 * i for i in range(n)],
                flow=True,
                target=85,
                england=76.7,
                neighbours=82.8,
            ),
            teams=teams.loc[:, list(TEAM_COLUMNS)],
            commentary=Commentary(
                text=f"First paragraph {bad}.\n\nSecond paragraph: {FORMULA if hostile else bad}",
                draft=False,
                source=f"commentary.csv row 2 {SCRIPT if hostile else ''}",
            ),
        ),
        Section(
            indicator=_indicator("national.plans", title="Children with an up-to-date plan"),
            window="period",
            series=_series(periods, [95.0 + (i % 3) for i in range(n)], target=95),
            teams=pd.DataFrame(columns=list(TEAM_COLUMNS)),
            commentary=Commentary(
                text="Plans are up to date for 97.0% of children.", draft=True, source="drafted"
            ),
        ),
        Section(
            indicator=_indicator(
                "national.referrals",
                title="Referrals",
                kind="flow",
                unit="count",
                polarity="neutral",
            ),
            window="rolling12",
            series=_series(periods, [240.0 + i for i in range(n)], flow=True),
            teams=pd.DataFrame(columns=list(TEAM_COLUMNS)),
            commentary=Commentary(text="", draft=True, source="drafted"),
        ),
        Section(
            indicator=_indicator("national.missing_table", title="Needs a missing table"),
            window="period",
            series=pd.DataFrame(columns=list(SECTION_SERIES_COLUMNS)),
            teams=pd.DataFrame(columns=list(TEAM_COLUMNS)),
            commentary=Commentary(text="Not computable.", draft=True, source="drafted"),
            status="not_computable",
            reason=f"the dataset has no table 'cin_plans' {SCRIPT if hostile else ''}",
        ),
    ]
    summary = pd.DataFrame([_summary_row(s) for s in sections], columns=list(SUMMARY_COLUMNS))
    return Report(
        title=f"Performance report {SCRIPT}" if hostile else "Performance report",
        council=f"Council {SCRIPT}" if hostile else "Rotherham",
        la="372",
        start=periods[0][0],
        end=periods[-1][1],
        every=every,
        generated=dt.datetime(2016, 1, 15, 9, 30),
        summary=summary,
        sections=tuple(sections),
        results=_empty_results(),
        suppress_below=None,
        warnings=(f"national.missing_table is not computable: {SCRIPT if hostile else ''}",),
    )


class _Collector(HTMLParser):
    """Elements, attributes and text of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    return collector


# --- unit tests: escaping, self-containment, layout -----------------------------------------


@pytest.fixture(scope="module")
def hostile_page() -> str:
    return render_html(hand_report())


def test_every_value_is_escaped(hostile_page: str) -> None:
    parsed = _parse(hostile_page)
    # nothing from the data became an element or an attribute
    assert [t for t, _ in parsed.tags].count("script") == 0
    assert "img" not in [t for t, _ in parsed.tags]
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs), (
        "an event-handler attribute reached the page"
    )
    assert "<script>" not in hostile_page and "<img" not in hostile_page
    # ... and it all still reads as text, where it belongs
    text = "".join(parsed.text)
    assert text.count(SCRIPT) >= 8  # title, council, indicator, team, commentary, reason...
    assert FORMULA in text
    assert html_module.escape(SCRIPT) in hostile_page
    assert "Team " + SCRIPT in text


def test_formula_like_text_is_inert_text(hostile_page: str) -> None:
    # the quotes of the formula are escaped; nothing turns it into a link
    assert "=HYPERLINK(&#34;http://evil.example/x&#34;,&#34;click&#34;)" in hostile_page
    hrefs = [a.get("href") for t, a in _parse(hostile_page).tags if "href" in a]
    assert all(h is not None and (h.startswith("#") or h == "data:,") for h in hrefs)


def test_self_contained_no_urls_and_a_strict_csp(hostile_page: str) -> None:
    page = render_html(hand_report(hostile=False))
    assert "://" not in page
    parsed = _parse(page)
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            assert value is None or value.startswith("#") or value == "data:,", (tag, attrs)
        assert tag not in ("script", "iframe", "object", "embed", "img", "link") or (
            tag == "link" and attrs.get("href") == "data:,"
        )
    assert "@import" not in page and "url(" not in page.replace("url(#", "")
    metas = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv")]
    assert metas[0]["http-equiv"] == "Content-Security-Policy"
    assert metas[0]["content"] == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src" not in CONTENT_SECURITY_POLICY  # no script may run at all
    assert ("html", {"lang": "en-GB"}) in parsed.tags


def test_every_section_present_with_its_anchor_and_a_summary_row(hostile_page: str) -> None:
    report = hand_report()
    parsed = _parse(hostile_page)
    ids = [a.get("id") for _, a in parsed.tags]
    rows = [a for t, a in parsed.tags if t == "tr" and a.get("class") == "indicator-row"]
    assert [r["data-indicator"] for r in rows] == [s.id for s in report.sections]
    for section in report.sections:
        assert ids.count(section.anchor) == 1
        assert ("a", {"href": f"#{section.anchor}"}) in parsed.tags
    assert len(set(i for i in ids if i)) == len([i for i in ids if i]), "duplicate ids"


def test_headings_in_order_and_tables_have_scoped_headers(hostile_page: str) -> None:
    parsed = _parse(hostile_page)
    levels = [int(t[1]) for t, _ in parsed.tags if re.fullmatch(r"h[1-6]", t)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    for tag, attrs in parsed.tags:
        if tag == "th":
            assert attrs.get("scope") in ("col", "row", "rowgroup", "colgroup"), attrs


def test_draft_and_council_commentary_are_told_apart(hostile_page: str) -> None:
    marker = "Draft commentary generated from the figures — for the service to edit"
    blocks = re.findall(
        r'<section class="indicator" id="([^"]+)".*?</section>', hostile_page, flags=re.S
    )
    assert len(blocks) == 4
    sections = dict(
        re.findall(r'<section class="indicator" id="([^"]+)"(.*?)</section>', hostile_page, re.S)
    )
    assert marker not in sections["ind-evil-measure"]
    assert "Commentary from commentary.csv row 2" in sections["ind-evil-measure"]
    assert marker in sections["ind-national-plans"]
    # paragraphs preserved
    evil = sections["ind-evil-measure"]
    assert evil.count("<p>First paragraph") == 1 and evil.count("<p>Second paragraph") == 1


def test_not_computable_section_shows_its_reason(hostile_page: str) -> None:
    section = re.search(
        r'<section class="indicator" id="ind-national-missing-table".*?</section>',
        hostile_page,
        re.S,
    )
    assert section is not None
    text = section.group(0)
    assert "Not computable." in text
    assert "the dataset has no table &#39;cin_plans&#39;" in text
    assert "<svg" not in text
    row = re.search(
        r'<tr class="indicator-row" data-indicator="national.missing_table">.*?</tr>',
        hostile_page,
        re.S,
    )
    assert row is not None and "Not computable: the dataset has no table" in row.group(0)


def test_summary_shows_direction_and_status_in_words_and_shapes(hostile_page: str) -> None:
    row = re.search(
        r'<tr class="indicator-row" data-indicator="evil.measure">.*?</tr>', hostile_page, re.S
    )
    assert row is not None
    text = row.group(0)
    assert "▲</span>improving" in text
    assert 'class="rag green">On target' in text  # 86.0% against a target of 85.0%
    assert "Previous month" in hostile_page
    assert "Rolling 12 months" in text
    assert "England" in hostile_page and "76.7%" in text and "82.8% (10)" in text
    plans = re.search(
        r'<tr class="indicator-row" data-indicator="national.plans">.*?</tr>', hostile_page, re.S
    )
    assert plans is not None and "As at 31 Dec 2015" in plans.group(0)


def test_quarterly_report_reads_as_quarters() -> None:
    page = render_html(hand_report(every="quarter", hostile=False))
    assert "Previous quarter" in page and "Previous month" not in page
    assert "Q3 2015-16" in page
    assert "Quarter by quarter" in page
    assert "Quarterly" in page or "(quarterly)" in page


def test_write_html_writes_utf8_and_makes_folders(tmp_path: Path) -> None:
    path = write_html(hand_report(hostile=False), tmp_path / "out" / "report.html")
    assert path.exists() and path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- charts ---------------------------------------------------------------------------------


def test_chart_is_deterministic_self_contained_and_labelled() -> None:
    report = hand_report()
    section = report.sections[0]
    first = chart_svg(section)
    second = chart_svg(section)
    assert first is not None and first == second
    assert first.startswith("<svg ") and first.endswith("</svg>")
    assert "<?xml" not in first and "DOCTYPE" not in first and "<metadata" not in first
    assert "<script" not in first.lower()
    assert re.findall(r'href="([^"]*)"', first) and all(
        h.startswith("#c") for h in re.findall(r'href="([^"]*)"', first)
    )
    plain = chart_svg(hand_report(hostile=False).sections[0])
    assert plain is not None and "http" not in plain
    assert 'role="img"' in first and "<title>" in first
    # the hostile title is escaped in the description, and drawn nowhere
    assert SCRIPT not in first and html_module.escape(SCRIPT) in first
    assert len(first.encode()) < 60_000
    # ids are unique to the section: two charts can share a page
    other = chart_svg(report.sections[1])
    assert other is not None
    ids_first = set(re.findall(r' id="([^"]+)"', first))
    ids_other = set(re.findall(r' id="([^"]+)"', other))
    assert ids_first and not ids_first & ids_other


def test_chart_uses_the_okabe_ito_palette_for_every_series() -> None:
    svg = chart_svg(hand_report().sections[0])
    assert svg is not None
    colours = set(palette_in(svg))
    for name in ("blue", "vermillion", "black", "orange", "reddish_purple"):
        assert OKABE_ITO[name].upper() in colours, name
    # series differ by dash pattern too (reads in greyscale)
    assert len(set(re.findall(r"stroke-dasharray: ([0-9., ]+)", svg))) >= 4


def test_no_chart_without_figures() -> None:
    report = hand_report()
    assert chart_svg(report.section("national.missing_table")) is None
    empty = Section(
        indicator=report.sections[1].indicator,
        window="period",
        series=_series(_months(2), [1.0, 2.0]).assign(value=float("nan")),
        teams=pd.DataFrame(columns=list(TEAM_COLUMNS)),
        commentary=Commentary(text="", draft=True),
    )
    assert chart_svg(empty) is None


def test_percent_axis_zooms_only_on_a_tight_high_band() -> None:
    from safeguarding_metrics.report.charts import _y_limits

    assert _y_limits(sm.Unit.PERCENT, np.array([20.0, 80.0])) == (0.0, 100.0, False)
    low, high, truncated = _y_limits(sm.Unit.PERCENT, np.array([95.0, 100.0]))
    assert (low, high, truncated) == (90.0, 100.0, True)
    assert _y_limits(sm.Unit.PERCENT, np.array([2.0, 3.0]))[:2] == (0.0, 5.0)
    assert _y_limits(sm.Unit.DAYS, np.array([400.0, 571.0]))[0] == 0.0


# --- the synthetic council, in a real browser -----------------------------------------------


@pytest.fixture(scope="module")
def synthetic_report() -> Iterator[Report]:
    with tempfile.TemporaryDirectory() as folder:
        write_csv(generate(seed=2015, scale=0.05), folder)
        dataset = sm.load_dataset(folder)
        yield build_report(dataset, start="2015-04", end="2015-12", la="372")


@pytest.fixture(scope="module")
def synthetic_page(synthetic_report: Report) -> tuple[str, float]:
    """The synthetic council's page, rendered once, and the seconds it took."""
    started = time.perf_counter()
    page = render_html(synthetic_report)
    return page, time.perf_counter() - started


def _has_chart(section: Section) -> bool:
    """A chart is drawn when the section was computed and has a value in some period."""
    return section.status == "ok" and bool(
        pd.to_numeric(section.series["value"], errors="coerce").notna().any()
    )


def test_synthetic_report_renders_every_indicator(
    synthetic_report: Report, synthetic_page: tuple[str, float]
) -> None:
    page, seconds = synthetic_page
    assert seconds < 20
    parsed = _parse(page)
    rows = [a for t, a in parsed.tags if t == "tr" and a.get("class") == "indicator-row"]
    assert len(rows) == len(synthetic_report.sections) >= 30
    ids = [a.get("id") for _, a in parsed.tags if a.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids across the page"
    assert "http://" not in page and "https://" not in page
    assert page.count("<svg ") == sum(map(_has_chart, synthetic_report.sections))


def _driver(tmp_path: Path) -> Any:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(
            "no /usr/bin/chromium or /usr/bin/chromedriver: run scripts/ensure_chromium.sh "
            "(Debian packages chromium and chromium-driver)"
        )
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError:  # pragma: no cover - selenium is a test dependency
        pytest.skip("selenium is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    except WebDriverException as error:
        pytest.skip(f"headless Chromium could not start: {error.msg or error}")


def test_report_in_headless_chromium(
    synthetic_report: Report, synthetic_page: tuple[str, float], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    path = tmp_path / "report.html"
    path.write_text(synthetic_page[0], encoding="utf-8")
    driver = _driver(tmp_path)
    try:
        driver.set_window_size(1280, 900)
        driver.get(path.resolve().as_uri())
        rows = driver.find_elements(By.CSS_SELECTOR, "table.summary tr.indicator-row")
        assert len(rows) == len(synthetic_report.sections)
        # one round trip: what the browser laid out for each section
        seen = driver.execute_script(
            """
            return arguments[0].map(function (id) {
              var el = document.getElementById(id);
              if (!el) { return null; }
              var box = el.getBoundingClientRect();
              var svgs = el.querySelectorAll("figure.chart svg");
              var svg = svgs.length ? svgs[0].getBoundingClientRect() : null;
              return {
                displayed: box.width > 0 && box.height > 0
                  && getComputedStyle(el).visibility !== "hidden"
                  && getComputedStyle(el).display !== "none",
                heading: el.querySelector("h3").textContent,
                svgs: svgs.length,
                svg_width: svg ? svg.width : 0,
                svg_height: svg ? svg.height : 0
              };
            });
            """,
            [s.anchor for s in synthetic_report.sections],
        )
        for section, found in zip(synthetic_report.sections, seen, strict=True):
            assert found is not None, section.anchor
            assert found["displayed"], section.id
            assert found["heading"] == section.indicator.title
            if _has_chart(section):
                assert found["svgs"] == 1, section.id
                assert found["svg_width"] > 300 and found["svg_height"] > 100, section.id
            else:
                assert found["svgs"] == 0, section.id
        # one section, the WebDriver way too
        first = driver.find_element(By.ID, synthetic_report.sections[0].anchor)
        assert first.is_displayed()
        # the page drew in its own styles: CSS applied, nothing blocked
        masthead = driver.find_element(By.CSS_SELECTOR, "header.masthead")
        assert masthead.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
        logs = driver.get_log("browser")
        severe = [e for e in logs if e.get("level") == "SEVERE"]
        assert not severe, severe
        csp = [e for e in logs if "Content Security Policy" in e.get("message", "")]
        assert not csp, csp
        # a full-page screenshot, kept as a test artefact
        height = driver.execute_script(
            "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)"
        )
        driver.set_window_size(1280, int(height))
        ARTEFACTS.mkdir(exist_ok=True)
        shot = ARTEFACTS / "report-screenshot.png"
        assert driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
    finally:
        driver.quit()


def test_suppressed_figures_show_c_and_give_nothing_away() -> None:
    report = hand_report(hostile=False)
    section = report.sections[1]
    series = section.series.copy()
    series.loc[series.index[-1], ["numerator", "denominator", "value"]] = None
    series["suppressed"] = series.index == series.index[-1]
    hidden = Section(
        indicator=section.indicator,
        window=section.window,
        series=series,
        teams=section.teams,
        commentary=section.commentary,
    )
    summary = report.summary.copy()
    summary.loc[1, ["value", "numerator", "denominator"]] = None
    summary.loc[1, "suppressed"] = True
    page = render_html(
        Report(
            title=report.title,
            council=report.council,
            la=report.la,
            start=report.start,
            end=report.end,
            every=report.every,
            generated=report.generated,
            summary=summary,
            sections=(report.sections[0], hidden),
            results=report.results,
            suppress_below=5,
        )
    )
    assert "are shown as “c”" in page
    row = re.search(
        r'<tr class="indicator-row" data-indicator="national.plans">.*?</tr>', page, re.S
    )
    assert row is not None
    text = row.group(0)
    assert '<span class="latest">c</span>' in text
    # neither the direction of travel nor the status against target is shown for it
    assert "improving" not in text and "worsening" not in text and "no change" not in text
    assert "On target" not in text and "Off target" not in text


def _pdf_pages(data: bytes) -> list[str]:
    """Each printed page's text, read with pypdf (skips when it is not installed)."""
    import io

    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the printed PDF (test extra)")
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages]


def _first_line(text: str) -> str:
    """A printed page's first line of content (the page number in its margin aside)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return next((line for line in lines if not re.fullmatch(r"Page \d+ of \d+", line)), "")


def test_printed_pack_a_summary_page_numbers_and_sections_starting_pages(
    synthetic_report: Report, tmp_path: Path
) -> None:
    """Printed from Chromium (landscape A4, the page's own CSS page size): the committee
    pack's front page alone on page 1, the key messages next, the summary on exactly one page
    with its type at least 8 pt and no column past the page's edge, every page numbered
    "Page n of N", each section of the child's journey starting a page, and no page starting
    with a fragment of a table (every page opens on a heading). The PDF is kept as a test
    artefact."""
    import base64

    import attrs

    from safeguarding_metrics.report.settings import CommitteePack

    report = attrs.evolve(
        synthetic_report,
        committee=CommitteePack(
            committee="Improving Lives Select Commission",
            meeting_date=dt.date(2016, 2, 3),
            recommendations=["That members review the performance report"],
            contact_officer="Performance Assurance Manager",
            wards="All",
        ),
    )
    path = tmp_path / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    driver = _driver(tmp_path)
    try:
        # laid out as print media at the width landscape A4 leaves inside its margins
        driver.set_window_size(1047, 900)
        driver.get(path.resolve().as_uri())
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        laid = driver.execute_script(
            """
            var page = document.documentElement.clientWidth;
            var cells = Array.prototype.filter.call(
              document.querySelectorAll("table.summary th, table.summary td"),
              function (c) { return getComputedStyle(c).display !== "none"; });
            return {
              overflow: Math.max.apply(null, cells.map(function (c) {
                return c.getBoundingClientRect().right - page; })),
              smallest: Math.min.apply(null, cells.map(function (c) {
                return parseFloat(getComputedStyle(c).fontSize); })),
              columns: Array.prototype.filter.call(
                document.querySelectorAll("table.summary thead th"),
                function (c) { return getComputedStyle(c).display !== "none"; }).length
            };
            """
        )
        assert laid["overflow"] <= 1, laid
        assert laid["smallest"] >= 8 * 96 / 72 - 0.01, laid  # 8 pt in CSS pixels
        assert laid["columns"] == 9  # fewer than the workbook's: previous and quartile left out
        pdf = driver.execute_cdp_cmd(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
        )
    finally:
        driver.quit()
    data = base64.b64decode(pdf["data"])
    ARTEFACTS.mkdir(exist_ok=True)
    (ARTEFACTS / "report-printed.pdf").write_bytes(data)
    pages = _pdf_pages(data)
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text, number
    # the front page, then the key messages, then the summary on one page
    assert "Improving Lives Select Commission" in pages[0] and "Recommendations" in pages[0]
    assert "Key messages" not in pages[0]
    assert _first_line(pages[1]).startswith("Key messages")
    summary = [n for n, text in enumerate(pages) if "Summary of performance" in text]
    assert len(summary) == 1
    first_row, last_row = report.sections[0], report.sections[-1]
    page = pages[summary[0]]
    assert first_row.indicator.title in page and last_row.indicator.title in page
    assert "Indicator" not in _first_line(pages[summary[0] + 1])  # no header run on
    # each section of the journey starts a page, in the journey's order
    from safeguarding_metrics.indicator import SECTION_NAMES

    journeys = list(
        dict.fromkeys(SECTION_NAMES[s.indicator.placed_section] for s in report.sections)
    )
    starts = [_first_line(text) for text in pages]
    assert [line for line in starts if line in journeys] == journeys
    # every page opens on a heading: the title, a section, an indicator, the data quality
    headings = {
        "Summary of performance",
        "Data quality",
        *journeys,
        *(s.indicator.title for s in report.sections),
    }
    for number, line in enumerate(starts[2:], start=3):
        assert line in headings or line.startswith("Key messages"), (number, line)
