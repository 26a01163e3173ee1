#!/usr/bin/env bash
# The whole assessment loop, as tests/integration/test_assessment_loop.py runs it: from the repository root,
# `bash docs/walkthroughs/assessment-loop.sh`. A throwaway SQLite database; HIRING_NOW plays the clock.
set -euo pipefail
work=$(mktemp -d)
export HIRING_DATABASE_URL="sqlite:///$work/loop.db" HIRING_HEAD_OF_TALENT=tess HIRING_NOW=2026-03-02T09:00:00Z
hiring() { uv run --quiet hiring "$@"; }
hiring init
at() { HIRING_NOW=$1 uv run --quiet hiring "${@:2}"; }

for p in tess:head_of_talent rita:recruiter hugo:hiring_manager \
         dana:interviewer omar:interviewer lena:interviewer kofi:interviewer; do
  hiring people add --handle "${p%%:*}" --name "${p%%:*}" --role "${p#*:}"
done
sed -e 's/maria.lopez/rita/' -e 's/dev.patel/hugo/' \
  hiring/examples/requisitions/01_applied_ai_engineer.yaml > "$work/role.yaml"
hiring role add --file "$work/role.yaml" && hiring role open 1
hiring candidate add --name "Ana Silva" --email ana@example.com --req 1 --source inbound --motivators remote

# Monday to Tuesday: the resume screen (above the bar), the technical screen, the templated take-home.
export HIRING_NOW=2026-03-03T10:00:00Z
hiring advance 1 screen --data '{"owned_delivery": 3, "operational_judgment": 4, "data_realism": 2,
  "cross_functional_range": 3, "note": "shipped an eval harness; owns on-call"}'
hiring advance 1 technical_screen --data '{"interviewer": "dana", "depth": 3, "communication": 4,
  "matches_profile": true, "notes": "walked through their retrieval fallback"}'
hiring advance 1 send_take_home --data '{"template": "rag_task", "due_at": "2026-03-07T09:00:00Z"}'
hiring advance 1 submit_take_home --data '{"submission": "https://git.example.com/ana/take-home"}'
hiring advance 1 score_take_home --data '{"technical_choices": 3, "assumptions": 3, "edge_cases": 2,
  "trade_offs": 4, "maintainability": 3, "operational_risk": 3}'
hiring advance 1 advance_to_final --data '{"debrief_notes": "defended the cache trade-off"}'

# The four interviews on Thursday 2026-03-05, an hour each from 10:00 UTC.
for slot in technical_calibration:dana:10 project_deep_dive:omar:11 system_design:lena:12 behavioral:kofi:13; do
  IFS=: read -r part who hour <<< "$slot"
  hiring advance 1 schedule_interview --data "{\"part\": \"$part\", \"interviewer\": \"$who\",
    \"starts_at\": \"2026-03-05T$hour:00:00Z\", \"minutes\": 60}"
done
hiring sla --req 1   # a scorecard due 24h after each interview's end; the decision due 2026-03-07 14:00 UTC

# Three scorecards on time; lena's system_design one is late.
for part in technical_calibration project_deep_dive behavioral; do
  at 2026-03-05T15:00:00Z advance 1 record_interview --data "{\"part\": \"$part\", \"score\": 3,
    \"recommendation\": \"yes\", \"notes\": \"solid\"}"
done
# lena's scorecard climbs the ladder: reminder (lena), level_1 (lena), level_2 (hugo), level_3 (tess), once each.
for t in 2026-03-06T07:00:00Z 2026-03-06T13:00:00Z 2026-03-07T13:00:00Z 2026-03-09T13:00:00Z; do
  at $t sweep && at $t sweep && at $t dispatch   # the second sweep at the same instant fires nothing
done
at 2026-03-07T13:00:00Z todo --me hugo     # the escalated scorecard first, then hugo's decision
at 2026-03-07T13:00:00Z sla --owner lena   # scorecard (system_design), overdue
at 2026-03-09T21:00:00Z advance 1 record_interview --data '{"part": "system_design", "score": 2,
  "recommendation": "no", "notes": "late"}'   # closes it breached; the decision's due time stays
at 2026-03-09T21:00:00Z candidate show 1
at 2026-03-09T21:00:00Z report
