"""Loading the SLA policy file named by HIRING_POLICY_FILE (TOML or YAML); refused whole if invalid."""

from functools import lru_cache
from pathlib import Path

from hiring.documents import load_document
from hiring.errors import InvalidInput
from states.policy import DEFAULT_POLICY, Policy, PolicyError, parse_policy


def load_policy_file(path: Path) -> Policy:
    if path.suffix.lower() not in (".toml", ".yaml", ".yml"):
        raise InvalidInput(f"policy file {path}: use a .toml, .yaml or .yml file")
    data = load_document(path, "policy file", formats=("YAML", "TOML")) or {}
    if not isinstance(data, dict):
        raise InvalidInput(f"policy file {path} must hold a mapping of settings")
    # YAML/TOML keys of per-requisition overrides are strings; the policy wants requisition ids.
    try:
        return parse_policy(data, str(path))
    except PolicyError as exc:
        raise InvalidInput(str(exc)) from None


@lru_cache(maxsize=1)
def current_policy() -> Policy:
    """The policy in force for this process: the file named in settings, else the defaults."""
    from hiring.settings import get_settings

    settings = get_settings()
    policy = DEFAULT_POLICY if settings.policy_file is None else load_policy_file(settings.policy_file)
    if settings.head_of_talent and not policy.head_of_talent:
        policy = policy.model_copy(update={"head_of_talent": settings.head_of_talent})
    return policy
