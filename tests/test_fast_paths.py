"""The fast paths of issue 9 give exactly what the plain pandas code they replace gives."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding_metrics.cohort import sort_key, sort_with_ties, text_ids
from safeguarding_metrics.model import clean, dataset, files
from safeguarding_metrics_national._shared import once_per_child_day

# Text with Python's whitespace (ASCII, the separators \x1c-\x1f, NBSP, U+3000, ...) at the
# ends and inside, empty strings and missing values.
_SPACES = "\t\n\x0b\x0c\r\x1c\x1f \x85\xa0\u1680\u2000\u2028\u202f\u205f\u3000"
_TEXT = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from("ab1Z" + _SPACES + "é\u00e9\U0001f600"), max_size=5),
)


def _text_by_pandas(values: pd.Series) -> pd.Series:
    """The loader's text cleaning as it was written before the Arrow path."""
    out = values.astype(object)
    mask = pd.isna(out)
    out = out.where(mask, out.astype(str).str.strip())
    return out.where(~mask & (out != ""), None)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(_TEXT, max_size=30))
def test_text_matches_pandas_strip(values: list[str | None]) -> None:
    series = pd.Series(values, dtype=object)
    expected = _text_by_pandas(series)
    for given_series in (series, series.astype("str")):
        for shared in (False, True):
            got = clean._text_and_arrow(given_series, shared=shared)[0]
            assert got.dtype == object
            assert got.tolist() == expected.tolist()


def test_text_of_numbers_is_unchanged() -> None:
    series = pd.Series([1, 2.5, None, "x "], dtype=object)
    assert clean._text(series).tolist() == ["1", "2.5", None, "x"]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["b", "a", "c", "a1", None])), max_size=25
    )
)
def test_sort_with_ties_is_a_stable_sort_by_key_then_tie(
    rows: list[tuple[int, str | None]],
) -> None:
    frame = pd.DataFrame(rows, columns=["key", "tie"]).astype({"key": "int64", "tie": object})
    expected = frame.sort_values(["key", "tie"], kind="stable").index.to_numpy()
    key = frame["key"].to_numpy()
    assert np.array_equal(sort_with_ties(key, frame["tie"]), expected)
    assert np.array_equal(sort_with_ties(key, frame["tie"].to_numpy()), expected)


def test_text_ids_as_astype_str() -> None:
    assert text_ids(pd.Series(["a", "b"], dtype=object)).tolist() == ["a", "b"]
    assert text_ids(pd.Series([1, 22])).tolist() == ["1", "22"]
    assert text_ids(np.array(["x"], dtype=object)).dtype == object


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 3),
            st.one_of(st.none(), st.dates(dt.date(2015, 1, 1), dt.date(2015, 1, 4))),
            st.sampled_from(["r2", "r1", "r10", "x"]),
        ),
        max_size=25,
    )
)
def test_once_per_child_day_matches_sort_and_drop_duplicates(rows: list[tuple]) -> None:
    frame = pd.DataFrame(
        {
            "child": np.array([r[0] for r in rows], dtype=np.int64),
            "day": np.array([r[1] for r in rows], dtype="datetime64[D]"),
            "id": np.array([r[2] for r in rows], dtype=object),
        }
    )
    expected = (
        frame.sort_values(["child", "day", "id"], kind="stable")
        .drop_duplicates(["child", "day"], keep="first")
        .index.to_numpy()
    )
    got = once_per_child_day(
        frame["child"].to_numpy(),
        frame["day"].to_numpy(dtype="datetime64[D]"),
        frame["id"].to_numpy(),
    )
    assert np.array_equal(got, expected)


@settings(max_examples=40, deadline=None)
@given(
    ids=st.lists(
        st.lists(st.text(alphabet="ab9é\U0001f600 ", min_size=1, max_size=3), max_size=12),
        min_size=1,
        max_size=3,
    )
)
def test_child_codes_by_arrow_match_pandas(ids: list[list[str]]) -> None:
    keys = {f"t{i}": pd.Series(v, dtype=object) for i, v in enumerate(ids)}
    coded = dataset._arrow_codes(keys)
    assert coded is not None
    uniques, codes = coded
    everything = [v for values in ids for v in values]
    expected = np.sort(np.array(list(dict.fromkeys(everything)), dtype=object))
    assert uniques.tolist() == expected.tolist()
    index = pd.Index(expected)
    for name, series in keys.items():
        assert codes[name].tolist() == index.get_indexer(series).tolist()


@settings(max_examples=60, deadline=None)
@given(
    columns=st.integers(1, 3).flatmap(
        lambda k: st.lists(
            st.tuples(*[st.integers(-5, 2**18) for _ in range(k)]), min_size=1, max_size=20
        )
    )
)
def test_sort_key_sorts_as_lexsort(columns: list[tuple[int, ...]]) -> None:
    arrays = [np.array(c, dtype=np.int64) for c in zip(*columns, strict=True)]
    key = sort_key(*arrays)
    assert key is not None
    assert np.array_equal(np.argsort(key, kind="stable"), np.lexsort(arrays[::-1]))


def test_sort_key_gives_up_beyond_63_bits() -> None:
    wide = np.array([0, 2**40], dtype=np.int64)
    assert sort_key(wide, wide) is None


_DAY = st.one_of(st.none(), st.dates(dt.date(2014, 1, 1), dt.date(2016, 12, 31)))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 5), st.booleans(), st.booleans(), st.sampled_from([None, "x"])),
        max_size=40,
    ),
    n_periods=st.integers(1, 4),
)
def test_aggregate_by_period_matches_groupby(
    rows: list[tuple[int, bool, bool, str | None]], n_periods: int
) -> None:
    from safeguarding_metrics import Indicator
    from safeguarding_metrics.engine import _aggregate, _aggregate_periods

    rows = [(p % n_periods, m, na, e) for p, m, na, e in rows]
    cohort = pd.DataFrame(
        {
            "period": np.array([r[0] for r in rows], dtype=np.int64),
            "la": np.full(len(rows), None, dtype=object),
            "met": pd.array([None if r[2] else r[1] for r in rows], dtype="boolean"),
            "excluded": np.array([r[3] for r in rows], dtype=object),
        }
    )
    indicator = Indicator(
        id="test.x",
        title="x",
        description="x",
        kind="flow",
        unit="%",
        polarity="higher",
        tables={},
        compute=lambda *a: None,
    )
    by_groupby = _aggregate(indicator, cohort, ["period", "la"]).sort_values("period")
    by_bincount = _aggregate_periods(indicator, cohort, n_periods)
    # the groupby gives the missing authority as NaN, the fast path as None: both merge alike
    assert by_groupby["la"].isna().all() and by_bincount["la"].isna().all()
    pd.testing.assert_frame_equal(
        by_groupby.drop(columns="la").reset_index(drop=True),
        by_bincount.drop(columns="la").reset_index(drop=True),
        check_dtype=False,
    )


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(_DAY, _DAY), max_size=30), split=st.booleans())
def test_assessments_read_only_the_rows_in_span(
    rows: list[tuple[dt.date | None, dt.date | None]], split: bool
) -> None:
    """The cohort of ``assessments_45wd`` as the definition reads it over the whole table."""
    from safeguarding_metrics import Periods
    from safeguarding_metrics_national.assessments import assessments_45wd

    table = pd.DataFrame(
        {
            "child": np.arange(len(rows), dtype=np.int64),
            "assessment_id": [f"A{i}" for i in range(len(rows))],
            "start_date": pd.to_datetime(pd.Series([s for s, _ in rows], dtype=object)).to_numpy(),
            "authorised_date": pd.to_datetime(
                pd.Series([a for _, a in rows], dtype=object)
            ).to_numpy(),
            "referral_id": None,
        },
        index=np.arange(len(rows)) * 3 + 7,  # not a range index
    )
    bounds = (
        [("2015-04-01", "2015-09-30"), ("2015-07-01", "2016-03-31")]
        if split
        else [("2015-04-01", "2016-03-31")]
    )
    periods = Periods(
        start=[np.datetime64(b, "D") for b, _ in bounds],
        end=[np.datetime64(e, "D") for _, e in bounds],
    )
    params = {"clock_start": "assessment", "count_start_day": False}
    cohort = assessments_45wd({"assessments": table}, periods, params)
    expected = []
    for p, (b, e) in enumerate(bounds):
        for i, (s, a) in enumerate(rows):
            if s is not None and a is not None and a >= s and b <= str(a) <= e:
                expected.append((p, a, i))
    expected.sort()
    assert cohort["period"].tolist() == [p for p, _, _ in expected]
    assert cohort["child"].tolist() == [i for _, _, i in expected]
    assert cohort["record"].tolist() == [f"A{i}" for _, _, i in expected]
    assert cohort["excluded"].tolist() == [None] * len(expected)


@settings(max_examples=40, deadline=None)
@given(
    start=st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)),
    length=st.integers(65, 3000),
    months=st.integers(-40, 40),
    seed=st.integers(0, 2**16),
)
def test_add_months_by_table_matches_month_units(
    start: dt.date, length: int, months: int, seed: int
) -> None:
    """Many days (a short span, so the table is used) with NaT among them."""
    from safeguarding_metrics.calendar import _add_months_by_units, add_months

    rng = np.random.default_rng(seed)
    day = np.datetime64(start, "D") + rng.integers(0, 2 * length, length).astype("timedelta64[D]")
    day[rng.random(length) < 0.1] = np.datetime64("NaT")
    got = add_months(day, months)
    expected = _add_months_by_units(day, np.asarray(months))
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype


def test_flow_cohort_takes_every_per_record_argument_for_the_rows_counted() -> None:
    from safeguarding_metrics import Periods
    from safeguarding_metrics.cohort import cohort_frame, flow_cohort, rows_in_periods

    date = np.array(["2015-04-03", "NaT", "2015-05-20", "2015-03-31"], dtype="datetime64[D]")
    periods = Periods(  # overlapping: a row in both appears once in each
        start=np.array(["2015-04-01", "2015-04-01"], dtype="datetime64[D]"),
        end=np.array(["2015-04-30", "2015-05-31"], dtype="datetime64[D]"),
    )
    child = np.array([1, 2, 3, 4])
    record = pd.Series(["R1", "R2", "R3", "R4"], dtype=object)
    met = np.array([True, False, False, True])
    extra = {"detail": np.array([10, 20, 30, 40])}
    got = flow_cohort(date, periods, child=child, record=record, met=met, extra=extra)
    period, row = rows_in_periods(date, periods)
    want = cohort_frame(
        period=period,
        child=child[row],
        record=record.to_numpy()[row],
        date=date[row],
        met=met[row],
        extra={"detail": extra["detail"][row]},
    )
    pd.testing.assert_frame_equal(got, want)
    assert sorted(zip(got["period"], got["record"], strict=True)) == [
        (0, "R1"),
        (1, "R1"),
        (1, "R3"),
    ]


@settings(max_examples=40, deadline=None)
@given(
    start=st.dates(dt.date(1900, 1, 1), dt.date(2150, 1, 1)),
    length=st.integers(65, 2000),
    spread=st.integers(1, 40000),
    seed=st.integers(0, 2**16),
)
def test_working_days_by_table_match_busday_count(
    start: dt.date, length: int, spread: int, seed: int
) -> None:
    """Many pairs (so the cumulative table is used), forwards and backwards, some of them
    outside ``WORKING_DAY_YEARS`` (the table then steps aside)."""
    from safeguarding_metrics.calendar import business_calendar, wd, wd_inclusive

    rng = np.random.default_rng(seed)
    a = np.datetime64(start, "D") + rng.integers(0, spread, length).astype("timedelta64[D]")
    b = a + rng.integers(-400, 400, length).astype("timedelta64[D]")
    cal = business_calendar()
    one = np.timedelta64(1, "D")

    def reference(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        forwards = np.busday_count(np.minimum(x, y), np.maximum(x, y), busdaycal=cal)
        return np.where(y < x, -forwards, forwards)

    np.testing.assert_array_equal(wd(a, b), reference(a + one, b + one))
    np.testing.assert_array_equal(wd_inclusive(a, b), reference(a, b + one))


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.one_of(st.none(), st.integers(0, 80000)), max_size=80),
    spread=st.sampled_from([30, 400, 65535, 65536, 80000]),
)
def test_stable_day_order_is_a_stable_argsort(offsets: list[int | None], spread: int) -> None:
    """The radix sort of short spans, and the plain sort of long ones, with ties."""
    from safeguarding_metrics.cohort import _stable_day_order

    base = np.datetime64("1900-01-01", "D")
    present = [o % (spread + 1) for o in offsets if o is not None]
    dates = base + np.array(present, dtype=np.int64).astype("timedelta64[D]")
    np.testing.assert_array_equal(_stable_day_order(dates), np.argsort(dates, kind="stable"))


def test_previous_values_do_not_depend_on_the_order_periods_are_given_in() -> None:
    """The engine's stride for previous values (periods in order) against its sort (any order)."""
    import safeguarding_metrics as sm
    from safeguarding_metrics.calendar import periods as make_periods
    from safeguarding_metrics.synthetic import generate

    data = sm.Dataset.from_frames(generate(scale=0.1))
    months = make_periods("2015-04-01", "2015-09-30", "month")
    frames = [
        sm.calculate(
            data,
            periods=order,
            windows=("period", "rolling12"),
            indicators=["national.referrals", "national.cla_at_end"],
            benchmarks=False,
        ).frame
        for order in (months, months[::-1], months[2:] + months[:2])
    ]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], other)
    first = frames[0].loc[frames[0]["window"] == "period"]
    assert first["previous_value"].notna().sum() == 2 * (len(months) - 1)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", None, float("nan"), ""]),
            st.sampled_from([1.0, 2.0, float("nan")]),
            st.sampled_from(["2015-01-01", "2015-01-02", None]),
            st.sampled_from([True, False, None]),
        ),
        max_size=40,
    )
)
def test_exact_duplicates_match_pandas(rows: list[tuple[object, ...]]) -> None:
    """The hashed pre-check finds exactly pandas' duplicates, missing values equal."""
    frame = pd.DataFrame(rows, columns=["text", "number", "day", "flag"])
    frame["text"] = frame["text"].astype(object)
    frame["day"] = pd.to_datetime(frame["day"])
    frame["flag"] = frame["flag"].astype("boolean")
    columns = ["text", "number", "day", "flag"]
    np.testing.assert_array_equal(
        clean._exact_duplicates(frame, columns),
        frame.duplicated(subset=columns, keep="first").to_numpy(),
    )


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(st.integers(-3, 30), max_size=40),
    children=st.lists(st.integers(-3, 30), max_size=10),
)
def test_rows_of_children_match_isin(events: list[int], children: list[int]) -> None:
    from safeguarding_metrics.cohort import rows_of_children

    event_child = np.array(events, dtype=np.int64)
    chosen = np.array(children, dtype=np.int64)
    np.testing.assert_array_equal(
        rows_of_children(event_child, chosen), np.flatnonzero(np.isin(event_child, chosen))
    )
    got = rows_of_children(event_child.astype(np.int32), chosen)
    np.testing.assert_array_equal(got, np.flatnonzero(np.isin(event_child, chosen)))


_CELL = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t1é\u00a0')), max_size=6),
    st.sampled_from(["NA", "null", "nan", "N/A", "#N/A", "None", "-1.5", " 2 "]),
)


def _csv_text(header: list[str], rows: list[list[str]], quote_all: bool, end: str = "\n") -> str:
    def field(text: str) -> str:
        if quote_all or any(c in text for c in ',"\n\r'):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [",".join(field(h) for h in header)]
    lines += [",".join(field(c) for c in row) for row in rows]
    return end.join(lines) + end


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    header=st.lists(
        st.sampled_from(
            ["referral_id", "child_id", " Referral_Date", "x", "", "Sum of\nReferral Date:"]
        ),
        min_size=1,
        max_size=4,
    ),
    cells=st.lists(st.lists(_CELL, min_size=0, max_size=5), max_size=6),
    quote_all=st.booleans(),
    ragged=st.booleans(),
    bom=st.booleans(),
    end=st.sampled_from(["\n", "\r\n"]),
)
def test_csv_read_by_pyarrow_matches_the_c_engine(
    tmp_path_factory, header, cells, quote_all, ragged, bom, end
) -> None:
    """Every file, well-formed or not: the same frame, rows and faults either way (the
    careful reader, which checks each row's number of values, stands for the C engine)."""
    from safeguarding_metrics.model.tables import table_spec

    width = len(header)
    rows = [row if ragged else (row + [""] * width)[:width] for row in cells]
    text = _csv_text(header, rows, quote_all, end)
    path = tmp_path_factory.mktemp("csv") / "referrals.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    spec = table_spec("referrals")
    results = []
    for fast in (True, False):
        files.CSV_PYARROW = fast
        try:
            results.append(files.read_table_file(path, spec))
        finally:
            files.CSV_PYARROW = True
    (frame_a, rows_a, faults_a), (frame_b, rows_b, faults_b) = results
    assert faults_a == faults_b
    if frame_b is None:
        assert frame_a is None
        return
    pd.testing.assert_frame_equal(frame_a, frame_b)
    np.testing.assert_array_equal(rows_a, rows_b)


def test_csv_fast_reader_reads_a_well_formed_file_and_declines_the_rest(tmp_path) -> None:
    good = tmp_path / "good.csv"
    good.write_text('referral_id,child_id\nR1,"C, 1"\nR2,\n', encoding="utf-8")
    frame = files._read_csv_fast(good)
    assert frame is not None and frame["child_id"].tolist() == ["C, 1", ""]
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2,3\n", encoding="utf-8")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("a,b\ncafé,1\n".encode("cp1252"))
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b\n", encoding="utf-8")
    assert all(files._read_csv_fast(p) is None for p in (ragged, latin, header_only))
