"""What each role profile is for: the playbook's focus, key skills and sample interview question, in our words.

The README's role-profile table is generated from PROFILES; `hiring role show` prints the requisition's entry.
"""

from dataclasses import dataclass

from states.vocabulary import RoleProfile


@dataclass(frozen=True)
class ProfileDescription:
    focus: str
    key_skills: tuple[str, ...]
    sample_question: str  # a question the loop can ask to tell this profile from its neighbours

    def as_dict(self) -> dict[str, object]:
        return {"focus": self.focus, "key_skills": list(self.key_skills), "sample_question": self.sample_question}


PROFILES: dict[RoleProfile, ProfileDescription] = {
    RoleProfile.APPLIED_AI_ENGINEER: ProfileDescription(
        focus="put AI-powered features in front of users and keep them dependable",
        key_skills=(
            "LLM integration",
            "RAG design",
            "backend systems",
            "evaluation",
            "observability",
        ),
        sample_question=(
            "How would you build a customer-facing assistant that degrades safely when retrieval gets worse?"
        ),
    ),
    RoleProfile.ML_ENGINEER: ProfileDescription(
        focus="run ML systems in production across their whole lifecycle",
        key_skills=(
            "model deployment",
            "feature pipelines",
            "monitoring",
            "MLOps",
            "distributed systems",
        ),
        sample_question="What does it take to turn an experimental model into a production service you can monitor?",
    ),
    RoleProfile.AI_RESEARCHER: ProfileDescription(
        focus="push model capability forward or crack modelling problems nobody has solved",
        key_skills=(
            "deep learning",
            "experimentation",
            "model architecture",
            "evaluation methodology",
        ),
        sample_question="When would you throw out an encouraging result because the evaluation behind it misleads?",
    ),
    RoleProfile.DATA_ENGINEER_AI: ProfileDescription(
        focus="build and keep the data layer the AI systems stand on",
        key_skills=(
            "ETL",
            "data quality",
            "storage",
            "orchestration",
            "governance",
        ),
        sample_question="How would you keep training data and inference data consistent with each other over time?",
    ),
}
