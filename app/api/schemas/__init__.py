"""
Request and response bodies (pydantic, edges only), one module a resource. Times go out in
Europe/London with their offset; times coming in must carry an offset.

Every body is importable from here, as `from app.api.schemas import DecisionOut`.
"""

from .accounts import (
    AccountIn,
    AccountOut,
    KeyIn,
    KeyOut,
    NewKeyOut,
    OrganisationIn,
    OrganisationOut,
    OverrideIn,
    OverrideOut,
    PolicyOut,
    ReasonIn,
)
from .audit import AuditEventOut, AuditPage, AuditVerifyOut
from .candidates import (
    CandidateImportItem,
    CandidateImportOut,
    CandidateIn,
    CandidateOut,
    LinkIn,
)
from .common import (
    NAIVE_DATETIME_ERROR,
    NAIVE_MESSAGE,
    AwareDatetime,
    IsoDate,
    Name,
    Slug,
    Text,
    london,
    require_offset,
)
from .common import _HotIn as _HotIn
from .common import _In as _In
from .common import _Out as _Out
from .decisions import (
    BatchIn,
    BatchOut,
    CheckIn,
    DecisionOut,
    MatchOut,
    PostCheckIn,
    ReasonOut,
    WindowOut,
)
from .elections import (
    DiesNonIn,
    DiesNonOut,
    ElectionIn,
    ElectionOut,
    ElectionPatch,
    ImportIn,
    ImportItem,
    ImportOut,
    PeriodOut,
    ScheduleIn,
    ScheduleOut,
    TimetableOut,
)
from .feeds import FeedTokenIn, FeedTokenOut, NewFeedTokenOut
from .requests import ApproveIn, AskedOut, RequestIn, RequestOut
from .webhooks import DeliveryOut, NewWebhookOut, WebhookIn, WebhookOut
from .windows import ManualWindowIn, ManualWindowOut, ManualWindowPatch

__all__ = [
    "NAIVE_DATETIME_ERROR",
    "NAIVE_MESSAGE",
    "AccountIn",
    "AccountOut",
    "ApproveIn",
    "AskedOut",
    "AuditEventOut",
    "AuditPage",
    "AuditVerifyOut",
    "AwareDatetime",
    "BatchIn",
    "CandidateImportItem",
    "CandidateImportOut",
    "CandidateIn",
    "CandidateOut",
    "BatchOut",
    "CheckIn",
    "DecisionOut",
    "DeliveryOut",
    "MatchOut",
    "PostCheckIn",
    "DiesNonIn",
    "DiesNonOut",
    "ElectionIn",
    "ElectionOut",
    "ElectionPatch",
    "FeedTokenIn",
    "FeedTokenOut",
    "ImportIn",
    "ImportItem",
    "ImportOut",
    "IsoDate",
    "KeyIn",
    "KeyOut",
    "LinkIn",
    "ManualWindowIn",
    "ManualWindowOut",
    "ManualWindowPatch",
    "Name",
    "NewFeedTokenOut",
    "NewKeyOut",
    "NewWebhookOut",
    "OrganisationIn",
    "OrganisationOut",
    "OverrideIn",
    "OverrideOut",
    "PeriodOut",
    "PolicyOut",
    "ReasonIn",
    "ReasonOut",
    "RequestIn",
    "RequestOut",
    "ScheduleIn",
    "ScheduleOut",
    "Slug",
    "Text",
    "TimetableOut",
    "WebhookIn",
    "WebhookOut",
    "WindowOut",
    "london",
    "require_offset",
]
