"""Channel fit on `role show`: candidates and hires per source channel against the profile's recommendations."""

from hiring.queries import show_requisition


def test_hires_are_counted_per_channel_and_a_departure_stays_a_hire(engine, open_requisition, candidate, drive) -> None:
    hired = candidate(source="direct_sourcing")
    departed = candidate(source="employee_referral")
    rejected = candidate(source="direct_sourcing")
    drive.to(hired, "onboarding_30")
    drive.to(departed, "departed")
    drive.to(rejected, "rejected")
    fit = {f["channel"]: f for f in show_requisition(engine, open_requisition)["channel_fit"]}
    assert (fit["direct_sourcing"]["candidates"], fit["direct_sourcing"]["hires"]) == (2, 1)
    assert fit["direct_sourcing"]["recommended"] is True  # the fixture is an applied AI engineer
    assert (fit["employee_referral"]["candidates"], fit["employee_referral"]["hires"]) == (1, 1)
    assert fit["employee_referral"]["recommended"] is False
    assert (fit["open_source"]["candidates"], fit["open_source"]["hires"]) == (0, 0)  # recommended, still listed
