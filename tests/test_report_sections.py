"""The report in the order a committee reads it (issue 17): sections of the child's journey,
plain words and what the figures count."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

import safeguarding_metrics as sm
from safeguarding_metrics.catalogue import catalogue_markdown
from safeguarding_metrics.cli import main
from safeguarding_metrics.indicator import SECTION_NAMES, SECTIONS, Unit
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
