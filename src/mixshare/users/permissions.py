"""Who may do what: the role policy in one place (views ask, they never decide).

Member isolation is separate and absolute: a member's users reach only their own company's
objects (``User.scope``); everything else answers 404 and is audited.

Recipe formulations (ingredients and phr) are the members' trade secrets. They are shown to
the owning member's users, and to the center roles that need them to mix and to test:
``operator`` (runs the recipe), ``quality`` (checks the batch against it) and
``center_admin`` (maintains recipes for members). The ``planner`` sees a compound's process
attributes (polymer family, colour, staining, density, stages, temperatures, rest times),
which is all that scheduling needs, but never the phr. Every formulation read by center
staff is audited (``formulation_read``).
"""

from __future__ import annotations

from mixshare.users.models import User

PLANNERS = ("center_admin", "planner")
ORDER_WRITERS = ("center_admin", "planner", "member_user", "member_admin")
COMPOUND_WRITERS = ("center_admin", "member_admin")
LINE_WRITERS = PLANNERS
USER_ADMINS = ("center_admin", "member_admin")
AUDIT_READERS = ("center_admin",)
CENTER_FORMULATION_ROLES = ("center_admin", "operator", "quality")
CENTER_ONLY = ("center_admin", "planner", "operator", "quality")


def may_see_formulation(user: User, owner_member_id: int) -> bool:
    """True for the owner member's users and for operator, quality and the center admin."""
    if user.scope is not None:
        return user.scope == owner_member_id
    return user.role in CENTER_FORMULATION_ROLES
