"""Loading the SLA policy file named by HIRING_POLICY_FILE (TOML or YAML); refused whole if invalid."""

import tomllib
from functools import lru_cache
from pathlib import Path

from hiring.errors import InvalidInput
from states.policy import DEFAULT_POLICY, Policy, PolicyError, parse_policy


def load_policy_file(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read policy file {path}: {exc.strerror}") from None
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"policy file {path} is not valid TOML: {exc}") from None
    elif path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise InvalidInput(f"policy file {path} is not valid YAML: {exc}") from None
    else:
        raise InvalidInput(f"policy file {path}: use a .toml, .yaml or .yml file")
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
