"""The one validation-error formatter (states/field_problems.py)."""

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from states.field_problems import STANDARD, field_problems, problem_lines


class _Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    size: int


def _error(data: dict[str, object]) -> ValidationError:
    try:
        _Thing.model_validate(data)
    except ValidationError as exc:
        return exc
    raise AssertionError("valid")


def test_missing_and_unknown_fields_say_so_in_words() -> None:
    problems = field_problems(_error({"name": "x", "colour": "red"}))
    assert problems == [("size", STANDARD["missing"]), ("colour", STANDARD["extra_forbidden"])]
    assert problem_lines(problems) == "  - size: is required\n  - colour: is not a known field"


def test_other_errors_keep_pydantic_message_unless_told_otherwise() -> None:
    exc = _error({"name": "x", "size": "big"})
    [(where, problem)] = field_problems(exc)
    assert where == "size" and "integer" in problem
    assert field_problems(exc, otherwise="is not valid") == [("size", "is not valid")]


def test_a_blank_string_can_count_as_missing() -> None:
    exc = _error({"name": "", "size": 1})
    assert field_problems(exc, blank_is_missing=True) == [("name", "is required")]
    assert field_problems(exc)[0][1] != "is required"


def test_request_parts_are_dropped_and_an_empty_location_is_named() -> None:
    errors = [{"loc": ("body", "a", 0), "msg": "bad", "type": "x"}, {"loc": (), "msg": "bad", "type": "x"}]
    assert field_problems(errors, drop_first=("body",), empty_field="body") == [("a.0", "bad"), ("body", "bad")]
