"""The market data file and where a band sits in it."""

from pathlib import Path

import pytest
import yaml

from hiring.errors import InvalidInput
from hiring.market_file import DEFAULT_MARKET_FILE, current_market, load_market_file
from states.market import MarketData, band_position, market_warnings
from states.requisition import SalaryBand
from states.vocabulary import RoleProfile


def default_doc() -> dict:
    return yaml.safe_load(DEFAULT_MARKET_FILE.read_text(encoding="utf-8"))


def band(low: int, high: int, currency: str = "USD") -> SalaryBand:
    return SalaryBand(min=low, max=high, currency=currency)


def test_the_shipped_file_holds_the_playbook_figures_dated_and_sourced() -> None:
    market = load_market_file(DEFAULT_MARKET_FILE)
    dist = market.all_profiles
    assert (market.as_of, market.region, market.currency) == ("2026", "US", "USD")
    assert "playbook" in market.source and "2026" in market.source
    assert (dist.average_salary, dist.prior_year_average_salary, dist.sample_size) == (206_000, 155_000, 1000)
    assert [(b.min, b.max, b.share) for b in dist.buckets] == [
        (120_000, 160_000, 0.18),
        (160_000, 200_000, 0.34),
        (200_000, None, 0.13),
    ]


def test_the_default_is_used_unless_the_setting_names_another(monkeypatch, tmp_path: Path) -> None:
    from tests.support.procs import clear_cached_settings

    assert current_market().source == load_market_file(DEFAULT_MARKET_FILE).source
    doc = default_doc() | {"source": "our 2027 benchmark", "as_of": "2027-03"}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    monkeypatch.setenv("HIRING_MARKET_FILE", str(tmp_path / "m.yaml"))
    clear_cached_settings()
    assert (current_market().source, current_market().as_of) == ("our 2027 benchmark", "2027-03")


def test_an_unknown_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"market file .*nowhere\.yaml does not exist"):
        load_market_file(tmp_path / "nowhere.yaml")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"currency": "dollars"}, "currency"),
        ({"colour": "blue"}, "colour"),
        ({"source": None}, "source"),
        ({"as_of": "last spring"}, "as_of"),
        ({"all_profiles": {"buckets": []}}, "all_profiles.buckets"),
        ({"all_profiles": {"buckets": [{"min": 200, "share": 0.5}, {"min": 300, "max": 400, "share": 0.1}]}}, "order"),
        (
            {"all_profiles": {"buckets": [{"min": 1, "max": 2, "share": 0.7}, {"min": 2, "max": 3, "share": 0.7}]}},
            "more than 1",
        ),
        ({"all_profiles": {"buckets": [{"min": 1, "max": 2, "share": 1.5}]}}, "share"),
        ({"profiles": {"astronaut": {"buckets": [{"min": 1, "share": 0.5}]}}}, "profiles.astronaut"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_the_field(tmp_path: Path, change: dict, named: str) -> None:
    doc = {k: v for k, v in (default_doc() | change).items() if v is not None}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        load_market_file(path)
    assert "bad.yaml is not valid market data" in str(err.value) and named in str(err.value)


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("as_of: [unclosed", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"m\.yaml is not valid YAML"):
        load_market_file(tmp_path / "m.yaml")


@pytest.fixture
def market() -> MarketData:
    return MarketData.model_validate(default_doc())


def test_the_median_bucket_is_that_of_the_covered_postings(market: MarketData) -> None:
    # 18 + 34 + 13 = 65 covered; the 32.5th falls in the second bucket.
    assert market.all_profiles.median_bucket().label("USD") == "160,000-200,000 USD"


@pytest.mark.parametrize(
    ("low", "high", "low_in", "high_in", "warns"),
    [
        (100_000, 150_000, "below 120,000 USD", "120,000-160,000 USD", True),
        (120_000, 159_999, "120,000-160,000 USD", "120,000-160,000 USD", True),
        (140_000, 160_000, "120,000-160,000 USD", "160,000-200,000 USD", False),
        (185_000, 235_000, "160,000-200,000 USD", "above 200,000 USD", False),
    ],
)
def test_where_a_band_sits_and_when_its_top_is_below_the_median(market, low, high, low_in, high_in, warns) -> None:
    position = band_position(market, RoleProfile.ML_ENGINEER, band(low, high))
    assert (position["band_min_in"], position["band_max_in"]) == (low_in, high_in)
    assert position["median_bucket"] == "160,000-200,000 USD" and position["comparable"] is True
    warnings = market_warnings(position)
    assert [w["code"] for w in warnings] == (["band_below_market_median"] if warns else [])
    if warns:
        assert f"{high:,} USD" in warnings[0]["message"] and "160,000-200,000 USD" in warnings[0]["message"]


def test_a_band_in_another_currency_is_not_compared(market: MarketData) -> None:
    position = band_position(market, None, band(50_000, 60_000, "EUR"))
    assert position["comparable"] is False and "EUR" in str(position["note"])
    assert market_warnings(position) == []


def test_a_profile_of_its_own_replaces_the_common_distribution() -> None:
    doc = default_doc()
    doc["profiles"] = {"ai_researcher": {"buckets": [{"min": 250_000, "max": 400_000, "share": 0.6}]}}
    market = MarketData.model_validate(doc)
    assert market_warnings(band_position(market, RoleProfile.AI_RESEARCHER, band(200_000, 240_000)))
    assert not market_warnings(band_position(market, RoleProfile.ML_ENGINEER, band(200_000, 240_000)))


def test_a_file_with_a_nul_byte_is_refused_as_yaml_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_bytes(b"as_of: 2026\x00\n")
    with pytest.raises(InvalidInput, match=r"m\.yaml is not valid YAML"):
        load_market_file(tmp_path / "m.yaml")
