"""What to have in hand when an offer is prepared and sent: what each role profile weighs besides the salary,
and what strong candidates check before they accept (facts from the playbook's closing section, in our words).
Pure data: `hiring candidate show` and the offer messages print it next to the candidate's motivators."""

from states.vocabulary import RoleProfile

# Besides the base salary, what a candidate of each profile tends to look at first.
PRIORITIES: dict[RoleProfile, tuple[str, ...]] = {
    RoleProfile.AI_RESEARCHER: (
        "how freely they may publish",
        "protected time for research",
        "the calibre of the peers they would work with",
        "access to serious compute",
    ),
    RoleProfile.ML_ENGINEER: (
        "how mature the ML platform is",
        "how models get deployed and monitored here",
        "how much infrastructure debt comes with the job",
    ),
    RoleProfile.APPLIED_AI_ENGINEER: (
        "the scope of the product they would own",
        "how fast work reaches production",
        "support from product, design and the business",
        "whether experiments actually become shipped features",
    ),
    # The playbook lists no priorities for this profile; these are inferred from its focus (pipelines,
    # storage, orchestration feeding models) and are labelled as such wherever they are shown.
    RoleProfile.DATA_ENGINEER_AI: (
        "the state of the data pipelines and storage they inherit",
        "whether orchestration and data quality are funded",
        "how directly their data work feeds the models in production",
    ),
}
INFERRED: frozenset[RoleProfile] = frozenset({RoleProfile.DATA_ENGINEER_AI})

# What strong candidates weigh beyond pay, whatever the profile.
CANDIDATES_EVALUATE: tuple[tuple[str, str], ...] = (
    ("problem quality", "the work is tied to a real business problem, not a vague wish to use AI"),
    ("execution environment", "data access, tooling, a deployment path and stakeholder support exist or are funded"),
    ("decision speed", "model, vendor and release decisions do not wait on a long chain of approvals"),
    ("career path", "where the role leads: deeper technical ownership, architecture, leadership or a specialty"),
)


def priorities(profile: RoleProfile | str | None) -> tuple[list[str], bool]:
    """The profile's known priorities beyond salary, and whether they are our inference (not the playbook's)."""
    if profile is None or profile not in set(RoleProfile):
        return [], False
    known = RoleProfile(profile)
    return list(PRIORITIES[known]), known in INFERRED
