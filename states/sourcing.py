"""Where to source each role profile, and what every source channel trades off.

The channels are the `source` values candidates already carry (states.vocabulary.SourceChannel), so the
channel-fit numbers of `hiring role show` compare like with like. The trade-offs and the researcher, ML
engineer and applied AI engineer recommendations follow the playbook's "Actionable Sourcing Strategies";
the playbook names no channels for the data engineer, so that entry is this project's reading of the same
logic (look where the work is visible) and is marked as such in the README.
"""

from dataclasses import dataclass

from states.vocabulary import RoleProfile, SourceChannel


@dataclass(frozen=True)
class ChannelNote:
    best_for: str
    trade_off: str


CHANNELS: dict[SourceChannel, ChannelNote] = {
    SourceChannel.SPECIALIST_RECRUITER: ChannelNote(
        "hard, confidential or urgent searches",
        "costs more, but calibrates well and reaches people who are not looking",
    ),
    SourceChannel.DIRECT_SOURCING: ChannelNote(
        "repeatable hiring at volume when the employer brand is strong",
        "works only if recruiters can tell the AI profiles apart and keep a disciplined outbound routine",
    ),
    SourceChannel.TECHNICAL_COMMUNITY: ChannelNote(
        "building relationships and finding niche specialists",
        "slow and unpredictable; pays off only with sustained, credible presence",
    ),
    SourceChannel.EMPLOYEE_REFERRAL: ChannelNote(
        "leads the team already trusts",
        "reaches only as far as the current team's networks, which may be narrow or alike",
    ),
    SourceChannel.OPEN_SOURCE: ChannelNote(
        "engineers whose public work shows they have touched real systems",
        "strong signal, but only for people whose work is public; much good work is not",
    ),
    SourceChannel.CONFERENCE: ChannelNote(
        "researchers and senior specialists (speakers, poster authors, paper lists)",
        "matters far less for applied product hires; events are periodic, so the pipeline is lumpy",
    ),
    SourceChannel.INBOUND: ChannelNote(
        "volume at little cost",
        "a broad pool: strong production judgment is hard to find in it and screening costs rise",
    ),
}


@dataclass(frozen=True)
class Recommendation:
    channel: SourceChannel
    look_for: str  # what evidence to look for in that channel, for this profile


RECOMMENDED: dict[RoleProfile, tuple[Recommendation, ...]] = {
    RoleProfile.AI_RESEARCHER: (
        Recommendation(SourceChannel.CONFERENCE, "workshop speakers, poster sessions and paper lists in the area"),
        Recommendation(SourceChannel.DIRECT_SOURCING, "publication trails: authors of the papers the role builds on"),
        Recommendation(SourceChannel.TECHNICAL_COMMUNITY, "research communities and labs working on the problem"),
    ),
    RoleProfile.ML_ENGINEER: (
        Recommendation(SourceChannel.OPEN_SOURCE, "contributions to model serving, orchestration and MLOps tooling"),
        Recommendation(
            SourceChannel.DIRECT_SOURCING,
            "people who built training pipelines, deployment systems, feature stores and model monitoring",
        ),
        Recommendation(SourceChannel.SPECIALIST_RECRUITER, "senior platform searches where calibration matters"),
    ),
    RoleProfile.APPLIED_AI_ENGINEER: (
        Recommendation(
            SourceChannel.DIRECT_SOURCING,
            "shipped copilots, search or recommendation systems and LLM-backed features tied to user outcomes",
        ),
        Recommendation(SourceChannel.OPEN_SOURCE, "evaluation frameworks, vector infrastructure and agent tooling"),
        Recommendation(
            SourceChannel.TECHNICAL_COMMUNITY, "Hugging Face, Kaggle and practitioner Slack or Discord groups"
        ),
    ),
    RoleProfile.DATA_ENGINEER_AI: (
        Recommendation(SourceChannel.OPEN_SOURCE, "contributions to orchestration, data-quality and storage tooling"),
        Recommendation(
            SourceChannel.DIRECT_SOURCING, "people who built pipelines and data platforms that feed ML systems"
        ),
        Recommendation(SourceChannel.EMPLOYEE_REFERRAL, "data engineers the ML and analytics teams worked with"),
    ),
}


def sourcing_plan(profile: RoleProfile) -> list[dict[str, str]]:
    """The recommended channels of one profile, each with what to look for and the channel's trade-off."""
    return [
        {
            "channel": r.channel.value,
            "look_for": r.look_for,
            "best_for": CHANNELS[r.channel].best_for,
            "trade_off": CHANNELS[r.channel].trade_off,
        }
        for r in RECOMMENDED[profile]
    ]


def channel_fit(profile: RoleProfile, counts: dict[str, tuple[int, int]]) -> list[dict[str, object]]:
    """Candidates and hires per source channel (`counts`: channel -> (candidates, hires)), each marked
    whether the profile's recommendations include it; recommended channels come first, even at zero."""
    recommended = [r.channel.value for r in RECOMMENDED[profile]]
    order = recommended + sorted(c for c in counts if c not in recommended)
    return [
        {
            "channel": c,
            "recommended": c in recommended,
            "candidates": counts.get(c, (0, 0))[0],
            "hires": counts.get(c, (0, 0))[1],
        }
        for c in order
    ]
