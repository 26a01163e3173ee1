"""Salary market data (the file HIRING_MARKET_FILE names) and where a band or an offer sits in it.

The file gives the share of sampled job postings per advertised salary range (`buckets`), for every role
profile or per profile (`profiles` overrides). Shares need not add up to 1: postings outside every bucket
(no salary stated, or below the lowest range) are not counted, so the median is that of the postings the
buckets cover.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from states.requisition import Money, SalaryBand
from states.vocabulary import RoleProfile

Share = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Bucket(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: Money
    max: Money | None = None  # None: open-ended ("above min"); only the highest bucket may be
    share: Share

    def label(self, currency: str) -> str:
        return f"{self.min:,}-{self.max:,} {currency}" if self.max else f"above {self.min:,} {currency}"

    def holds(self, amount: int) -> bool:
        return self.min <= amount and (self.max is None or amount < self.max)


class Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid")
    average_salary: Money | None = None
    prior_year_average_salary: Money | None = None
    sample_size: Annotated[int, Field(gt=0)] | None = None
    buckets: list[Bucket] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _ordered(self) -> "Distribution":
        for low, high in zip(self.buckets, self.buckets[1:], strict=False):
            if low.max is None or high.min < low.max:
                raise ValueError("buckets must be in rising order without overlaps; only the last may omit max")
        for b in self.buckets:
            if b.max is not None and b.max <= b.min:
                raise ValueError(f"a bucket's max ({b.max}) must be above its min ({b.min})")
        if sum(b.share for b in self.buckets) > 1.0001:
            raise ValueError("the buckets' shares add up to more than 1")
        return self

    def median_bucket(self) -> Bucket:
        """The bucket holding the middle posting of those the buckets cover."""
        half, running = sum(b.share for b in self.buckets) / 2, 0.0
        for bucket in self.buckets:
            running += bucket.share
            if running >= half:
                return bucket
        return self.buckets[-1]

    def where(self, amount: int, currency: str) -> str:
        for bucket in self.buckets:
            if bucket.holds(amount):
                return bucket.label(currency)
        if amount < self.buckets[0].min:
            return f"below {self.buckets[0].min:,} {currency}"
        return f"between buckets ({amount:,} {currency})"


class MarketData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # When the figures were published or collected: a year, a month or a day (2026, 2026-03, 2026-03-15).
    as_of: Annotated[str, StringConstraints(pattern=r"^[12][0-9]{3}(-[01][0-9](-[0-3][0-9])?)?$")]
    source: Words
    region: Words
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    all_profiles: Distribution
    profiles: dict[RoleProfile, Distribution] = {}

    def for_profile(self, profile: RoleProfile | None) -> Distribution:
        return self.profiles.get(profile, self.all_profiles) if profile else self.all_profiles


def band_position(market: MarketData, profile: RoleProfile | None, band: SalaryBand) -> dict[str, object]:
    """Where the band's ends sit in the market for the profile, and a warning if its top is below the median
    bucket. A band in another currency is not compared (no exchange rates here)."""
    dist = market.for_profile(profile)
    out: dict[str, object] = {
        "source": market.source,
        "as_of": market.as_of,
        "region": market.region,
        "currency": market.currency,
        "average_salary": dist.average_salary,
        "median_bucket": dist.median_bucket().label(market.currency),
        "comparable": band.currency == market.currency,
        "band_min_in": None,
        "band_max_in": None,
        "warning": None,
        "note": None,
    }
    if band.currency != market.currency:
        out["note"] = f"the band is in {band.currency} and the market data in {market.currency}: not compared"
        return out
    median = dist.median_bucket()
    out["band_min_in"] = dist.where(band.min, market.currency)
    out["band_max_in"] = dist.where(band.max, market.currency)
    if band.max < median.min:
        out["warning"] = (
            f"the band's top ({band.max:,} {band.currency}) is below the median bucket of the market data "
            f"({median.label(market.currency)}; {market.region}, {market.as_of}): most comparable postings pay more"
        )
    return out


def market_warnings(position: dict[str, object] | None) -> list[dict[str, str]]:
    warning = position.get("warning") if position else None
    return [{"code": "band_below_market_median", "message": str(warning)}] if warning else []
