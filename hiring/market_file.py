"""Loading the salary market data named by HIRING_MARKET_FILE (the shipped 2026 figures by default)."""

from pathlib import Path

from pydantic import ValidationError

from hiring.documents import load_document
from hiring.errors import InvalidInput
from states.field_problems import field_problems, problem_lines
from states.market import MarketData

DEFAULT_MARKET_FILE = Path(__file__).parent / "examples" / "market" / "2026.yaml"


def load_market_file(path: Path) -> MarketData:
    """The market data in `path`; InvalidInput naming the file and every problem if it is missing or malformed."""
    if not path.is_file():
        raise InvalidInput(f"market file {path} does not exist (HIRING_MARKET_FILE names a YAML or JSON file)")
    data = load_document(path, "market file")
    try:
        return MarketData.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            f"market file {path} is not valid market data:\n{problem_lines(field_problems(exc))}"
        ) from None


def current_market() -> MarketData:
    """The market data in force: read on every call, so a replaced file counts at once."""
    from hiring.settings import get_settings

    return load_market_file(get_settings().market_file or DEFAULT_MARKET_FILE)
