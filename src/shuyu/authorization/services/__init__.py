"""Use cases of the authorization workflow. Each takes an actor first, runs in one transaction,
authorizes → applies rules → writes → appends exactly one ledger entry per state change."""

from ._common import AgreementDraft, PlanDraft, authorize_owner_or_admin
from .agreements import (
    activate_agreement,
    cosign_agreement,
    create_agreement,
    expire_agreements,
    file_agreement,
    resume_agreement,
    sign_agreement,
    suspend_agreement,
    terminate_agreement,
)
from .designations import designate_agency, file_designation
from .plans import (
    amend_plan,
    approve_plan,
    create_plan,
    file_plan,
    return_plan,
    revise_plan,
    submit_plan,
    update_plan,
)
from .selections import (
    add_candidate,
    decide_selection,
    fail_selection,
    open_selection,
    record_consultation,
    score_candidate,
    start_selection,
)

__all__ = [
    "authorize_owner_or_admin",
    "AgreementDraft",
    "PlanDraft",
    "activate_agreement",
    "add_candidate",
    "amend_plan",
    "approve_plan",
    "cosign_agreement",
    "create_agreement",
    "create_plan",
    "decide_selection",
    "designate_agency",
    "expire_agreements",
    "fail_selection",
    "file_agreement",
    "file_designation",
    "file_plan",
    "open_selection",
    "record_consultation",
    "resume_agreement",
    "return_plan",
    "revise_plan",
    "score_candidate",
    "sign_agreement",
    "start_selection",
    "submit_plan",
    "suspend_agreement",
    "terminate_agreement",
    "update_plan",
]
