"""Fixed vocabularies of the hiring domain: role profiles, kinds of system and constraint, sources, motivators,
rubric items, reasons. What each role profile means lives in states/profiles.py."""

from enum import StrEnum


class RoleProfile(StrEnum):
    APPLIED_AI_ENGINEER = "applied_ai_engineer"
    ML_ENGINEER = "ml_engineer"
    AI_RESEARCHER = "ai_researcher"
    DATA_ENGINEER_AI = "data_engineer_ai"


class SystemKind(StrEnum):
    """What kind of system the hire must build (the playbook's second role-definition question)."""

    PROTOTYPE = "prototype"
    PRODUCTION_API = "production_api"
    TRAINING_PIPELINE = "training_pipeline"
    EVALUATION_HARNESS = "evaluation_harness"
    DATA_PLATFORM = "data_platform"


class ConstraintKind(StrEnum):
    """Which constraints matter most (the playbook's third role-definition question)."""

    LATENCY = "latency"
    COST = "cost"
    OBSERVABILITY = "observability"
    COMPLIANCE = "compliance"
    MAINTAINABILITY = "maintainability"
    MODEL_QUALITY = "model_quality"


class Engagement(StrEnum):
    FULL_TIME = "full_time"
    CONTRACT = "contract"
    HYBRID = "hybrid"


class SourceChannel(StrEnum):
    SPECIALIST_RECRUITER = "specialist_recruiter"
    DIRECT_SOURCING = "direct_sourcing"
    TECHNICAL_COMMUNITY = "technical_community"
    EMPLOYEE_REFERRAL = "employee_referral"
    OPEN_SOURCE = "open_source"
    CONFERENCE = "conference"
    INBOUND = "inbound"


class Motivator(StrEnum):
    CASH = "cash"
    TITLE = "title"
    REMOTE = "remote"
    RESEARCH_FREEDOM = "research_freedom"
    PRODUCT_OWNERSHIP = "product_ownership"
    TEAM_QUALITY = "team_quality"


class CandidateDetail(StrEnum):
    """The details `hiring candidate update` changes."""

    NAME = "name"
    EMAIL = "email"
    MOTIVATORS = "motivators"
    SOURCE = "source"


TAKE_HOME_RUBRIC = (
    "technical_choices",
    "assumptions",
    "edge_cases",
    "trade_offs",
    "maintainability",
    "operational_risk",
)


class InterviewPart(StrEnum):
    TECHNICAL_CALIBRATION = "technical_calibration"
    PROJECT_DEEP_DIVE = "project_deep_dive"
    SYSTEM_DESIGN = "system_design"
    BEHAVIORAL = "behavioral"


class Recommendation(StrEnum):
    """A scorecard's overall call, besides its 1-4 score."""

    STRONG_NO = "strong_no"
    NO = "no"
    YES = "yes"
    STRONG_YES = "strong_yes"


ACCESS_CHECKLIST = (
    "tooling",
    "credentials",
    "data_permissions",
    "documentation",
    "architecture_diagrams",
    "stakeholder_intros",
)


class RejectionReason(StrEnum):
    SKILLS_GAP = "skills_gap"
    EXPERIENCE_LEVEL = "experience_level"
    TAKE_HOME_QUALITY = "take_home_quality"
    INTERVIEW_PERFORMANCE = "interview_performance"
    COMMUNICATION = "communication"
    COMPENSATION_MISMATCH = "compensation_mismatch"
    LOCATION_OR_AUTHORIZATION = "location_or_authorization"
    ROLE_FILLED = "role_filled"
    OTHER = "other"
