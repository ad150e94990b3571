"""Semantic checks of a policy's `workflow:` block (registered with rounds.policy on app start).

The JSON schema in rounds.policy checks shapes; these check meaning: every level names a reviewing
role the platform knows, resubmission targets exist, `reviewer_of_state` transitions start only in
states that have a level, and notification recipients are known.
"""

from __future__ import annotations

from typing import Any

from rounds.policy import PolicyError

KNOWN_LEVELS = ("unit", "county", "prefecture")
KNOWN_ROLES = ("applicant", "unit_reviewer", "county_reviewer", "prefecture_officer", "reviewer_of_state", "system")
RESUBMIT_MODES = ("returning_level", "unit")
RECIPIENTS = ("applicant", "next_level", "returning_level")
# When a transition's window is checked: now, or at the dossier's last return (a resubmission, notice 四(三)).
WINDOW_MOMENTS = ("now", "return")


def validate_workflow_block(policy: dict[str, Any]) -> None:
    wf = policy["workflow"]
    states = set(wf["states"])
    levels: dict[str, str] = wf.get("levels", {})
    for state, level in levels.items():
        if state not in states:
            raise PolicyError(f"workflow.levels.{state}", f"未定义的状态“{state}”")
        if level not in KNOWN_LEVELS:
            raise PolicyError(
                f"workflow.levels.{state}", f"未知的审核层级“{level}”，应为 {'、'.join(KNOWN_LEVELS)} 之一"
            )
    actions = set()
    for i, tr in enumerate(wf["transitions"]):
        if tr["action"] in actions:
            raise PolicyError(f"workflow.transitions.{i}.action", f"操作“{tr['action']}”重复定义")
        actions.add(tr["action"])
        if tr["role"] not in KNOWN_ROLES:
            raise PolicyError(f"workflow.transitions.{i}.role", f"未知的角色“{tr['role']}”")
        if tr["role"] == "reviewer_of_state":
            for state in tr["from"]:
                if state not in levels:
                    raise PolicyError(
                        f"workflow.transitions.{i}.from", f"状态“{state}”没有对应的审核层级（workflow.levels）"
                    )
        if tr.get("final_to") is not None and tr["final_to"] not in states:
            raise PolicyError(f"workflow.transitions.{i}.final_to", f"未定义的状态“{tr['final_to']}”")
        if tr.get("window_at", "now") not in WINDOW_MOMENTS:
            moments = "、".join(WINDOW_MOMENTS)
            raise PolicyError(f"workflow.transitions.{i}.window_at", f"应为 {moments} 之一，实际为 {tr['window_at']!r}")
        if tr["to"] == "next_level":
            for level in ("county", "prefecture"):
                if (wf.get("resubmit_states") or {}).get(level) not in states:
                    raise PolicyError(f"workflow.resubmit_states.{level}", "next_level 需要该层级的进入状态")
        if tr["to"] == "resubmit_target":
            mode = wf.get("resubmit_to")
            if mode not in RESUBMIT_MODES:
                raise PolicyError("workflow.resubmit_to", f"应为 {'、'.join(RESUBMIT_MODES)} 之一，实际为 {mode!r}")
            targets = wf.get("resubmit_states") or {}
            if "unit" not in targets:
                raise PolicyError("workflow.resubmit_states", "必须给出 unit 层级的重新提交状态")
            for level, state in targets.items():
                if level not in KNOWN_LEVELS:
                    raise PolicyError(f"workflow.resubmit_states.{level}", f"未知的审核层级“{level}”")
                if state not in states:
                    raise PolicyError(f"workflow.resubmit_states.{level}", f"未定义的状态“{state}”")
    for action, recipients in (wf.get("notify") or {}).items():
        if action not in actions:
            raise PolicyError(f"workflow.notify.{action}", f"未定义的操作“{action}”")
        for recipient in recipients:
            if recipient not in RECIPIENTS:
                raise PolicyError(f"workflow.notify.{action}", f"未知的通知对象“{recipient}”")
