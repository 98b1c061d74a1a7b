"""The report in the order a committee reads it (issue 17): sections of the child's journey,
plain words and what the figures count."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pandas as pd
import pytest

import safeguarding_metrics as sm
from safeguarding_metrics.catalogue import catalogue_markdown
from safeguarding_metrics.cli import main
from safeguarding_metrics.indicator import SECTION_NAMES, SECTIONS, Unit
from safeguarding_metrics.report.key_messages import draft_key_messages
from tests.conftest import REFERRAL_COUNT_PLUGIN

ROOT = Path(__file__).resolve().parents[1]

JOURNEY = [
    "front_door",
    "assessment",
    "child_protection",
    "children_in_need",
    "looked_after",
    "adoption",
    "care_leavers",
    "workforce",
]


def _bundled() -> sm.Registry:
    import safeguarding_metrics_national as national
    import safeguarding_metrics_rotherham as rotherham

    return sm.build_registry([("national", national), ("rotherham", rotherham)])


def test_sections_follow_the_childs_journey_with_a_default_last() -> None:
    assert [key for key, _ in SECTIONS] == [*JOURNEY, "other"]
    assert SECTION_NAMES["front_door"] == "Front door"
    assert SECTION_NAMES["other"] == "Other measures"


def test_an_unknown_section_is_refused_naming_the_indicator() -> None:
    from safeguarding_metrics_national.rereferrals import REREFERRALS_12M

    with pytest.raises(ValueError, match=r"national.rereferrals_12m: section is one of"):
        attrs.evolve(REREFERRALS_12M, section="front door")


def test_an_indicator_without_a_section_goes_last_in_the_default_one() -> None:
    from safeguarding_metrics_national.rereferrals import REREFERRALS_12M

    older = attrs.evolve(
        REREFERRALS_12M, id="older.measure", section=None, order=1000, plain="", count_label=""
    )
    assert older.placed_section == "other"
    assert older.report_order > REREFERRALS_12M.report_order
    meta = older.metadata()
    assert (meta["section"], meta["section_name"], meta["section_declared"]) == (
        "other",
        "Other measures",
        False,
    )


def test_every_bundled_indicator_has_a_section_plain_words_and_labels() -> None:
    registry = _bundled()
    for indicator in registry:
        assert indicator.section in JOURNEY, indicator.id
        assert len(indicator.plain) > 30, indicator.id
        assert indicator.count_label, indicator.id
        # a percentage names what its numerator counts; nothing else has one
        assert bool(indicator.of_which_label) == (indicator.unit == Unit.PERCENT), indicator.id
        # plain words, not the technical definition's arithmetic
        for technical in ("wd(", "add_months", "<=", "window_months", "RNE", "_"):
            assert technical not in indicator.plain, (indicator.id, technical)
    orders = [(i.placed_section, i.order) for i in registry]
    assert len(set(orders)) == len(orders), "two indicators share a place in a section"


def test_the_template_plugin_declares_its_section_and_words() -> None:
    source = ROOT / "templates/council-plugin/src/safeguarding_metrics_example/__init__.py"
    spec = importlib.util.spec_from_file_location("sm_template_words", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    CIN_VISITS_20WD = module.CIN_VISITS_20WD
    assert CIN_VISITS_20WD.section == "children_in_need"
    assert CIN_VISITS_20WD.plain and CIN_VISITS_20WD.of_which_label


def test_indicators_json_shows_section_order_and_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["indicators", "--format", "json"]) == 0
    items = {m["id"]: m for m in json.loads(capsys.readouterr().out)}
    mash = items["rotherham.mash_decision_24h"]
    assert mash["section"] == "front_door" and mash["section_name"] == "Front door"
    assert mash["order"] == 10 and mash["section_declared"] is True
    assert mash["count_label"] == "contacts received"
    assert mash["of_which_label"] == "decided within 24 hours"
    assert mash["plain"].startswith("Of the contacts")


def test_plugins_and_catalogue_say_where_an_undeclared_indicator_goes(
    install_plugin: Callable[..., object], capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin("doncaster", REFERRAL_COUNT_PLUGIN.format(name="doncaster"))
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "1 declare no report section, placed under 'Other measures'" in out
    assert "doncaster.referral_count" in out
    assert main(["plugins", "--all"]) == 0
    listed = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["doncaster"]["unplaced"] == ["doncaster.referral_count"]
    assert listed["national"]["unplaced"] == []
    text = catalogue_markdown(sm.default_registry())
    assert "Other measures (it declares no section: placed there by default)" in text


def test_catalogue_lists_indicators_in_journey_order() -> None:
    text = catalogue_markdown(_bundled())
    names = tuple(f"| {name} | [`" for _, name in SECTIONS)
    table = [line for line in text.splitlines() if line.startswith(names)]
    assert len(table) == len(_bundled())
    sections = [line.split(" | ")[0].lstrip("| ") for line in table]
    ranks = [[name for _, name in SECTIONS].index(s) for s in sections]
    assert ranks == sorted(ranks)
    assert table[0].startswith("| Front door | [`rotherham.mash_decision_24h`]")
    assert "*In plain words:* Of the referrals made" in text


# --- the report laid out by section -----------------------------------------------------


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from safeguarding_metrics.synthetic import generate, write_csv

    folder = tmp_path_factory.mktemp("council")
    write_csv(generate(seed=2015, scale=0.05), folder)
    return folder


@pytest.fixture(scope="module")
def small_report(council: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from safeguarding_metrics.report import build_report, load_commentary
    from safeguarding_metrics.report.settings import load_settings

    folder = tmp_path_factory.mktemp("files")
    commentary = folder / "commentary.csv"
    commentary.write_text(
        "indicator,period,commentary,author\n"
        'key_messages,2015-12,"- The MASH decides almost every contact within a day.\n'
        '- Re-referrals remain <high>.",Head of Service\n',
        encoding="utf-8",
    )
    settings = folder / "report.toml"
    settings.write_text(
        "[committee]\n"
        'committee = "Improving Lives Select Commission"\n'
        "meeting_date = 2016-02-03\n"
        'recommendations = ["That members review the report", "That members note it"]\n'
        'contact_officer = "Performance Assurance Manager"\n'
        'wards = "All"\n'
        "exempt = false\n",
        encoding="utf-8",
    )
    dataset = sm.load_dataset(council)
    return build_report(
        dataset,
        start="2015-04",
        end="2015-12",
        la="372",
        commentary=load_commentary(commentary),
        settings=load_settings(settings),
    )


def test_summary_sections_and_files_follow_the_journey(small_report: Any, tmp_path: Path) -> None:
    import openpyxl

    from safeguarding_metrics.report.write import write_report

    names = [name for _, name in SECTIONS]
    ranks = [names.index(s) for s in small_report.summary["section"]]
    assert ranks == sorted(ranks)
    assert list(small_report.summary["indicator"]) == [s.id for s in small_report.sections]
    # local and national together: the MASH (local) opens the front door before referrals
    assert list(small_report.summary["indicator"][:3]) == [
        "rotherham.mash_decision_24h",
        "national.referrals",
        "national.rereferrals_12m",
    ]
    written = write_report(small_report, tmp_path / "out")
    csv = pd.read_csv(written.summary)
    assert list(csv["indicator"]) == list(small_report.summary["indicator"])
    assert list(csv["section"][:1]) == ["Front door"]
    book = openpyxl.load_workbook(tmp_path / "out" / "report.xlsx")
    assert book.sheetnames[1] == "Contacts with a MASH decision"  # 31 characters at most
    sheet = book[book.sheetnames[1]]
    labels = {row[0].value: row[1].value for row in sheet.iter_rows(max_row=12) if row[0].value}
    assert labels["Section"] == "Front door"
    assert labels["In plain words"].startswith("Of the contacts")
    assert labels["Counts"] == "contacts received; of which decided within 24 hours"
    cells = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"Decided within 24 hours (numerator)", "Contacts received (denominator)"} <= cells
    adoption = book[next(n for n in book.sheetnames if n.startswith("A1"))]
    cells = {c.value for row in adoption.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"Total days (numerator)", "Children adopted (last 3 years) (denominator)"} <= cells


def test_worse_run_counts_the_latest_periods_worsening() -> None:
    from safeguarding_metrics.report.build import worse_run
    from safeguarding_metrics_national.rereferrals import REREFERRALS_12M

    def series(*directions: str | None) -> pd.DataFrame:
        return pd.DataFrame({"direction": list(directions)})

    assert worse_run(series(None, "worsening", "worsening", "worsening"), REREFERRALS_12M) == 3
    assert worse_run(series("worsening", "improving", "worsening"), REREFERRALS_12M) == 1
    assert worse_run(series("worsening", "worsening", "improving"), REREFERRALS_12M) == 0
    assert worse_run(series(), REREFERRALS_12M) == 0
    neutral = attrs.evolve(REREFERRALS_12M, polarity="neutral")
    assert worse_run(series("worsening"), neutral) is None


def test_the_service_key_messages_replace_the_drafts(small_report: Any) -> None:
    from safeguarding_metrics.report.html import render_html

    messages = small_report.key_messages
    assert not messages.drafted
    assert messages.service == (
        "The MASH decides almost every contact within a day.",
        "Re-referrals remain <high>.",
    )
    assert "key_messages" not in " ".join(small_report.warnings)
    page = render_html(small_report, charts=False)
    block = page[page.index('id="key-messages"') : page.index('id="summary"')]
    assert "Re-referrals remain &lt;high&gt;." in block
    assert "Drafted from the figures" not in block
    assert "Key messages from commentary.csv, row 2, Head of Service" in block


def test_drafted_key_messages_link_to_their_sections(small_report: Any) -> None:
    from safeguarding_metrics.report.html import render_html

    drafted = attrs.evolve(
        small_report, key_messages=draft_key_messages(small_report.summary), committee=None
    )
    page = render_html(drafted, charts=False)
    block = page[page.index('id="key-messages"') : page.index('id="summary"')]
    assert "Drafted from the figures — for the service to edit" in block
    for message in (*drafted.key_messages.improvements, *drafted.key_messages.concerns):
        anchor = drafted.section(message.indicator).anchor
        assert f'<a href="#{anchor}">' in block
    # the page opens on them: nothing but the masthead before
    assert page.index('id="key-messages"') < page.index('id="summary"')
    assert '<dl class="cover-facts">' not in page


def test_front_page_from_the_settings(small_report: Any) -> None:
    from safeguarding_metrics.report.html import render_html

    page = render_html(small_report, charts=False)
    cover = page[page.index('<div class="cover">') : page.index("</header>")]
    assert "Improving Lives Select Commission" in cover
    assert '<time datetime="2016-02-03">3 February 2016</time>' in cover
    assert "<li>That members review the report</li>" in cover
    assert "<dd>No</dd>" in cover  # not exempt
    assert "Performance Assurance Manager" in cover


def test_sections_read_in_plain_words_without_ids_in_headings(small_report: Any) -> None:
    import re

    from safeguarding_metrics.report.html import render_html

    page = render_html(small_report, charts=False)
    for heading in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", page, flags=re.S):
        assert not re.search(r"\b[a-z]+\.[a-z0-9_]+\b", heading), heading
    journeys = re.findall(r'<h2 id="sec-[^"]+" class="journey-heading">([^<]+)</h2>', page)
    assert journeys == list(dict.fromkeys(small_report.summary["section"]))
    mash = small_report.section("rotherham.mash_decision_24h")
    block = page[page.index(f'id="{mash.anchor}"') :]
    block = block[: block.index("</section>")]
    plain = block.index('class="definition plain"')
    assert plain < block.index('<details class="technical">') < block.index("decision_at")
    assert "Decided within 24 hours</th>" in block and "Contacts received</th>" in block
    assert ">Numerator<" not in block and ">Denominator<" not in block


def test_a_mean_of_days_shows_the_children_not_the_sum_of_days(small_report: Any) -> None:
    from safeguarding_metrics.report.html import render_html

    page = render_html(small_report, charts=False)
    a1 = small_report.section("national.adoption_a1")
    block = page[page.index(f'id="{a1.anchor}"') :]
    block = block[: block.index("</section>")]
    table = block[block.index('<table class="series">') :]
    table = table[: table.index("</table>")]
    assert "Children adopted (last 3 years)" in table
    latest = a1.series.iloc[-1]
    assert f"{int(latest['denominator']):,}</td>" in table
    assert f">{int(latest['numerator']):,}</td>" not in table  # the sum of days is not shown


def test_committee_settings_are_checked(tmp_path: Path) -> None:
    from safeguarding_metrics.report.settings import SettingsFileError, load_settings

    def settings(text: str) -> Path:
        path = tmp_path / "report.toml"
        path.write_text(text, encoding="utf-8")
        return path

    pack = load_settings(settings('[committee]\nexempt = "Paragraph 2"\nwards = "All"\n'))
    assert pack.committee is not None and pack.committee.exempt == "Paragraph 2"
    with pytest.raises(SettingsFileError, match="has no key 'chair'"):
        load_settings(settings('[committee]\nchair = "X"\n'))
    with pytest.raises(SettingsFileError, match="meeting_date '3rd Feb' is not a date"):
        load_settings(settings('[committee]\nmeeting_date = "3rd Feb"\n'))
    with pytest.raises(SettingsFileError, match="exempt is false, or the reason"):
        load_settings(settings("[committee]\nexempt = true\n"))
    with pytest.raises(SettingsFileError, match="recommendations is text or a list of text"):
        load_settings(settings("[committee]\nrecommendations = [1, 2]\n"))
    assert load_settings(settings('[headline]\n"a.b" = "ytd"\n')).committee is None


def test_the_demo_opens_on_the_key_messages_of_december(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from safeguarding_metrics.demo import main as demo

    out = tmp_path / "demo"
    assert demo(["--output", str(out), "--scale", "0.05"]) == 0
    err = capsys.readouterr().err
    assert err.rstrip().splitlines()[-1].startswith(("    3. ", "    none", "  - "))
    assert "Key messages, December 2015 (drafted from the figures" in err
    page = (out / "report" / "report.html").read_text(encoding="utf-8")
    main_start = page.index('<main class="page">')
    first = page[main_start : main_start + 200]
    assert 'id="key-messages"' in first
    assert "Key messages, December 2015" in page[main_start : page.index('id="summary"')]


def test_the_example_settings_file_reads() -> None:
    from safeguarding_metrics.report.settings import load_settings

    settings = load_settings(ROOT / "examples" / "report.toml")
    pack = settings.committee
    assert pack is not None and pack.meeting_date is not None
    assert pack.meeting_date.isoformat() == "2016-02-03"
    assert len(pack.recommendations) == 2 and pack.exempt == "" and pack.wards == "All"


def test_drafted_key_messages_round_trip_through_commentary_draft(
    council: Path, tmp_path: Path
) -> None:
    from safeguarding_metrics.report import build_report, load_commentary
    from safeguarding_metrics.report.write import write_report
    from safeguarding_metrics.targets import load_targets

    dataset = sm.load_dataset(council)
    targets = load_targets(ROOT / "examples" / "targets.toml")
    report = build_report(
        dataset, start="2015-10", end="2015-12", la="372", council_targets=targets
    )
    drafted = [*report.key_messages.improvements, *report.key_messages.concerns]
    assert report.key_messages.drafted and drafted
    written = write_report(report, tmp_path / "out", html=False, excel=False)
    rows = pd.read_csv(written.commentary)
    assert rows["indicator"].iloc[0] == "key_messages" and rows["period"].iloc[0] == "2015-12"
    again = build_report(
        dataset,
        start="2015-10",
        end="2015-12",
        la="372",
        council_targets=targets,
        commentary=load_commentary(written.commentary),
    )
    given = again.key_messages
    assert not given.drafted and len(given.service) == len(drafted)
    for message, text in zip(drafted, given.service, strict=True):
        kind = "Improvement" if message in report.key_messages.improvements else "Concern"
        assert text == f"{kind} ({message.section}): {message.text}"


def test_team_breakdown_caption_keeps_the_month_capitalised(small_report: Any) -> None:
    """'By team, as at 31 Dec 2015', not 'as at 31 dec 2015': only the first letter of the
    window's label is lowered."""
    import re

    from safeguarding_metrics.report.html import render_html

    page = render_html(small_report, charts=False)
    captions = re.findall(r"<caption>By team, ([^<]*)</caption>", page)
    assert captions
    assert not any(c[:1].isupper() for c in captions)
    months = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    assert not any(re.search(rf"\b({months.lower()}) \d{{4}}", c) for c in captions)
    assert any(re.search(rf"as at \d+ ({months}) \d{{4}}", c) for c in captions)


def test_a_count_shows_its_count_once_named_by_what_it_counts(small_report: Any) -> None:
    """A count measure's month table and team table give the count in one column, headed by
    ``count_label`` ("Referrals"), not the same number under two headings."""
    import re

    from safeguarding_metrics.report.html import render_html

    page = render_html(small_report, charts=False)
    counts = [
        s
        for s in small_report.sections
        if Unit(s.indicator.unit) == Unit.COUNT and s.status == "ok"
    ]
    assert counts
    with_teams = 0
    for section in counts:
        block = page[page.index(f'id="{section.anchor}"') :]
        block = block[: block.index("</section>")]
        label = section.indicator.count_label[:1].upper() + section.indicator.count_label[1:]
        for kind in ("series", "teams"):
            if f'<table class="{kind}">' not in block:
                continue
            table = block[block.index(f'<table class="{kind}">') :]
            table = table[: table.index("</table>")]
            headers = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)
            assert len(headers) == len(set(headers)), (section.indicator.id, headers)
            assert "Number" not in headers and "Value" not in headers
            if kind == "teams":
                with_teams += 1
                assert label in headers, (section.indicator.id, headers)
                first = re.search(r'<tr><th scope="row">[^<]*</th>(.*?)</tr>', table, re.S)
                assert first is not None
                assert len(re.findall(r'<td class="num">', first.group(1))) == 1
            elif "Year to date" not in headers:  # a snapshot: its value column is the count
                assert label in headers, (section.indicator.id, headers)
    assert with_teams


def test_the_summary_says_the_year_of_each_england_figure(small_report: Any) -> None:
    """Benchmarks of different measures come from different years: each summary row's
    England figure says its collection year (as the section's "England 2014-15" does)."""
    import re

    from safeguarding_metrics.report.html import render_html

    page = render_html(small_report, charts=False)
    summary = small_report.summary
    shown = 0
    for row in summary.itertuples():
        start = page.index(f'data-indicator="{row.indicator}"')
        cells = re.findall(r"<td[^>]*>(.*?)</td>", page[start : page.index("</tr>", start)])
        england = cells[-3]
        year = row.benchmark_year
        if pd.isna(year) or pd.isna(row.england):
            assert "<span" not in england or "-" not in england
            continue
        end = int(float(year))
        assert f'<span class="sub year">{end - 1}-{end % 100:02d}</span>' in england, england
        shown += 1
    assert shown
