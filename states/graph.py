"""The stage graph as one table, and the one shared `transitions` machine that enforces it.

Read TRANSITIONS like pytransitions' README: each row is {trigger, source, dest, conditions}.
`dest: None` means the trigger records something inside the stage. The README's diagram is generated
from this table (`hiring diagram`).
"""

from transitions import Machine

from states import guards
from states.candidate import CandidateState, Proposed
from states.stages import ACTIVE, BEFORE_ACCEPTANCE, ONBOARDING, REOPENABLE, Stage

S = Stage

TRANSITIONS: list[dict] = [
    {"trigger": "screen", "source": S.SOURCED, "dest": S.SCREENED},
    {"trigger": "send_take_home", "source": S.SCREENED, "dest": S.TAKE_HOME,
     "conditions": [guards.due_after_event]},
    {"trigger": "submit_take_home", "source": S.TAKE_HOME, "dest": None},
    {"trigger": "score_take_home", "source": S.TAKE_HOME, "dest": S.DEBRIEF,
     "conditions": [guards.take_home_submitted]},
    {"trigger": "advance_to_final", "source": S.DEBRIEF, "dest": S.FINAL},
    {"trigger": "record_interview", "source": S.FINAL, "dest": None},
    {"trigger": "make_offer", "source": S.FINAL, "dest": S.OFFER,
     "conditions": [guards.all_interview_parts_recorded, guards.within_band_or_approved]},
    {"trigger": "revise_offer", "source": S.OFFER, "dest": None,
     "conditions": [guards.within_band_or_approved]},
    {"trigger": "accept_offer", "source": S.OFFER, "dest": S.ONBOARDING_30},
    {"trigger": "decline_offer", "source": S.OFFER, "dest": S.DECLINED},
    {"trigger": "complete_checkpoint", "source": S.ONBOARDING_30, "dest": S.ONBOARDING_60},
    {"trigger": "complete_checkpoint", "source": S.ONBOARDING_60, "dest": S.ONBOARDING_90},
    {"trigger": "complete_checkpoint", "source": S.ONBOARDING_90, "dest": S.ONBOARDED},
    {"trigger": "reject", "source": list(BEFORE_ACCEPTANCE), "dest": S.REJECTED},
    {"trigger": "withdraw", "source": list(BEFORE_ACCEPTANCE), "dest": S.WITHDRAWN},
    {"trigger": "depart", "source": list(ONBOARDING), "dest": S.DEPARTED},
    {"trigger": "hold", "source": list(ACTIVE), "dest": None, "conditions": [guards.not_on_hold]},
    {"trigger": "resume", "source": list(ACTIVE), "dest": None, "conditions": [guards.on_hold]},
    # reopen returns to the stage the candidate left: one row per possible stage, the guard picks it.
    *(
        {"trigger": "reopen", "source": list(REOPENABLE), "dest": stage,
         "conditions": [guards.returns_to(stage)]}
        for stage in BEFORE_ACCEPTANCE
    ),
]  # fmt: skip

TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(row["trigger"] for row in TRANSITIONS))
# While a candidate is on hold only these triggers apply; everything else waits for `resume`.
ALLOWED_ON_HOLD: frozenset[str] = frozenset({"resume", "reject", "withdraw", "depart"})


# The one machine for every candidate. Models are never attached to it (add_model is quadratic);
# triggers are fired on a throw-away subject with `machine.events[trigger].trigger(subject)`.
def _plain(value: object) -> object:
    """transitions keys Enum states by member name; we key them by value, the names users type."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return None if value is None else str(value)


MACHINE = Machine(
    model=None,
    states=[stage.value for stage in Stage],
    initial=None,
    transitions=[
        {**row, "source": _plain(row["source"]), "dest": _plain(row["dest"])} for row in TRANSITIONS
    ],
    auto_transitions=False,
    send_event=True,
)


def triggers_from(stage: Stage, on_hold: bool = False) -> list[str]:
    """Triggers with a row leaving `stage`, in table order (the hold guards applied, others not)."""
    names = [t for t in TRIGGERS if stage.value in MACHINE.events[t].transitions]
    if on_hold:
        return [t for t in names if t in ALLOWED_ON_HOLD]
    return [t for t in names if t != "resume"]


def refusals(state: CandidateState, proposed: Proposed) -> list[str]:
    """The reasons the guards of a refused trigger gave, for the error message."""
    reasons: list[str] = []
    for transition in MACHINE.events[proposed.trigger].transitions[state.stage.value]:
        for condition in transition.conditions:
            guard = condition.func
            if isinstance(guard, guards.Guard) and not guard.test(state, proposed):
                reason = guard.explain(state, proposed)
                if reason not in reasons:
                    reasons.append(reason)
    return reasons
