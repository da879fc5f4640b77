"""Review states, roles and the rules for who may do what (checked on the server for every action)."""

from __future__ import annotations

from dataclasses import dataclass

SUBMITTED = "Submitted"
UNDER_REVIEW = "Under Review"
CHANGES_REQUESTED = "Changes requested"
APPROVED = "Approved"
RETIRED = "Retired"
SUPERSEDED = "Superseded"          # an older version replaced by a newer approved one
STATES = (SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED, APPROVED, RETIRED)
BADGE_STEPS = (SUBMITTED, UNDER_REVIEW, APPROVED)

ROLES = ("reader", "clinician", "reviewer", "admin")

PERMISSIONS: dict[str, frozenset[str]] = {
    "reader": frozenset({"read_published"}),
    "clinician": frozenset({"read_published", "ask", "submit", "comment", "revise"}),
    "reviewer": frozenset({"read_published", "read_all", "ask", "submit", "comment", "revise", "review", "retire"}),
    "admin": frozenset({"read_published", "read_all", "ask", "submit", "comment", "revise", "retire",
                        "manage_users", "manage_sources", "audit"}),
}

# action -> (states it may start from, state it leads to, permission needed)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "start_review": ((SUBMITTED,), UNDER_REVIEW, "review"),
    "request_changes": ((SUBMITTED, UNDER_REVIEW), CHANGES_REQUESTED, "review"),
    "approve": ((UNDER_REVIEW,), APPROVED, "review"),
    "retire": ((SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED, APPROVED), RETIRED, "retire"),
}
ACTION_LABELS = {"start_review": "Start review", "request_changes": "Request changes", "approve": "Approve",
                 "retire": "Retire"}
# actions a person may never take on an article they wrote (or whose current version they made)
NOT_ON_OWN = frozenset({"start_review", "request_changes", "approve"})
REVISABLE = (SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED, APPROVED)


class WorkflowError(Exception):
    """An action that the rules forbid. `status` is the HTTP status that fits (403 forbidden, 409 wrong state)."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Actor:
    username: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def has_permission(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def check_transition(actor: Actor, action: str, state: str, authors: set[str]) -> str:
    """The state `action` leads to, or WorkflowError saying why it is not allowed."""
    if action not in TRANSITIONS:
        raise WorkflowError(f"unknown action {action!r}; expected one of {', '.join(TRANSITIONS)}", 422)
    froms, to, perm = TRANSITIONS[action]
    if not actor.can(perm):
        raise WorkflowError(f"a {actor.role} may not {ACTION_LABELS[action].lower()} an article", 403)
    if action in NOT_ON_OWN and actor.username in authors:
        raise WorkflowError("you may not review or approve an article you wrote or revised; "
                            "another reviewer must do it", 403)
    if state not in froms:
        raise WorkflowError(f"cannot {ACTION_LABELS[action].lower()} an article that is {state!r} "
                            f"(allowed from: {', '.join(froms)})", 409)
    return to


def allowed_actions(actor: Actor, state: str, authors: set[str]) -> list[str]:
    out = []
    for action in TRANSITIONS:
        try:
            check_transition(actor, action, state, authors)
        except WorkflowError:
            continue
        out.append(action)
    return out


def can_revise(actor: Actor, state: str, author: str | None) -> bool:
    if state not in REVISABLE or not actor.can("revise"):
        return False
    return actor.can("read_all") or actor.username == author


def can_read(actor: Actor | None, author: str | None, published: bool, retired: bool) -> bool:
    """Readers see published (approved, not retired) articles; clinicians also their own; reviewers/admins all."""
    if actor is None:
        return False
    if actor.can("read_all"):
        return True
    if actor.role != "reader" and author and actor.username == author:
        return True
    return published and not retired
