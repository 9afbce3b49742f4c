"""Typed, frozen models of the manual's facts (data/*.yaml).

These models are the single contract between the YAML sources, the Sphinx
extension, the output builders and the checker.  They do no file I/O: the
loader (``manualkit.loader``) reads YAML, keeps source positions and feeds
plain Python values in here.  Cross-file ids are resolved by the loader, not
here, so each model validates on its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: Ids: lowercase dotted or dashed words, e.g. ``complaint.general.resolve``.
DottedId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(?:[.\-][a-z0-9_]+)*$")]
#: Form ids carry the owning chapter: ``F-04-01``.
FormId = Annotated[str, StringConstraints(pattern=r"^F-\d{2}-\d{2}$")]
#: Checklist ids: ``CL-04-01``.
ChecklistId = Annotated[str, StringConstraints(pattern=r"^CL-\d{2}-\d{2}$")]
#: A MyST/Sphinx section label such as ``complaint-intake``.
SectionLabel = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9\-]*$")]
Version = Annotated[str, StringConstraints(pattern=r"^\d+\.\d+(?:\.\d+)?$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

DurationUnit = Literal["working_days", "calendar_days", "hours", "minutes", "months", "years"]
Bound = Literal["within", "at_least", "at_most"]
SlaKind = Literal["deadline", "interval", "advance", "retention", "period"]


class Model(BaseModel):
    """Base: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Duration(Model):
    """An amount of time: ``value`` units, optionally bounded (至少 / 不超过)."""

    value: int = Field(gt=0)
    unit: DurationUnit
    bound: Bound = "within"


class RegulatoryLimit(Model):
    """The outer limit an SLA implements, as set by a cited regulation."""

    reference: DottedId
    article: str | None = None
    duration: Duration
    extended: Duration | None = None
    note: str | None = None


class Role(Model):
    id: DottedId
    name: NonEmpty
    description: str | None = None


class Sla(Model):
    """A service level: a duration between a start and an end event, owned by a role."""

    id: DottedId
    name: NonEmpty
    kind: SlaKind = "deadline"
    duration: Duration
    start: NonEmpty
    end: NonEmpty
    owner: DottedId
    source: DottedId | None = None
    limit: RegulatoryLimit | None = None
    section: SectionLabel | None = None
    tags: tuple[DottedId, ...] = ()
    note: str | None = None


class Target(Model):
    """A measurable target figure such as the callback rate (100%)."""

    id: DottedId
    name: NonEmpty
    value: float
    unit: Literal["percent", "count", "score"]
    bound: Bound = "at_least"
    owner: DottedId
    section: SectionLabel | None = None
    tags: tuple[DottedId, ...] = ()
    note: str | None = None


class ServiceWindow(Model):
    """Opening hours of a channel, e.g. working days 09:00–18:00."""

    id: DottedId
    name: NonEmpty
    days: Literal["working_days", "all_days"]
    opens: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")]
    closes: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")]
    section: SectionLabel | None = None
    note: str | None = None


class SharePart(Model):
    label: NonEmpty
    percent: float = Field(ge=0, le=100)


class ShareGroup(Model):
    """Shares of one whole (they must add up to 100%)."""

    id: DottedId
    name: NonEmpty
    basis: NonEmpty
    parts: tuple[SharePart, ...] = Field(min_length=2)
    section: SectionLabel | None = None
    note: str | None = None


FieldType = Literal[
    "text", "multiline", "date", "datetime", "number", "choice", "checkbox", "signature", "phone", "id_number"
]


class FormField(Model):
    id: DottedId
    label: NonEmpty
    type: FieldType = "text"
    required: bool = False
    help: str | None = None
    choices: tuple[NonEmpty, ...] = ()
    #: For a deadline field: the SLA whose deadline the field records.
    sla: DottedId | None = None


class Form(Model):
    id: FormId
    title: NonEmpty
    purpose: NonEmpty
    section: SectionLabel
    owner: DottedId
    fields: tuple[FormField, ...] = Field(min_length=1)
    #: Roles that sign the form, in signing order.
    signatures: tuple[DottedId, ...] = ()
    #: How long the completed form is kept.
    retention: DottedId | None = None
    #: Deadline wording printed on the form itself (checked against the SLAs).
    notes: tuple[str, ...] = ()


class ChecklistItem(Model):
    text: NonEmpty
    sla: DottedId | None = None
    form: FormId | None = None


class Checklist(Model):
    id: ChecklistId
    title: NonEmpty
    owner: DottedId
    section: SectionLabel
    slas: tuple[DottedId, ...] = ()
    forms: tuple[FormId, ...] = ()
    items: tuple[ChecklistItem, ...] = Field(min_length=1)


class Branch(Model):
    to: DottedId
    when: NonEmpty


class Step(Model):
    id: DottedId
    name: NonEmpty
    owner: DottedId
    description: str | None = None
    sla: DottedId | None = None
    form: FormId | None = None
    #: Explicit successors (branches). Omitted: the next step in order; empty with ``end``.
    next: tuple[Branch, ...] = ()
    end: bool = False


class Process(Model):
    id: DottedId
    title: NonEmpty
    owner: DottedId
    section: SectionLabel
    #: End-to-end SLA every path through the process must fit in.
    sla: DottedId | None = None
    steps: tuple[Step, ...] = Field(min_length=1)


class Reference(Model):
    id: DottedId
    title: NonEmpty
    issuer: NonEmpty
    number: str | None = None
    issued: dt.date | None = None
    effective: dt.date | None = None
    status: Literal["in_force", "superseded", "repealed", "unverified"]
    superseded_by: DottedId | None = None
    kind: Literal["law", "regulation", "rule", "standard", "internal"] = "regulation"
    note: str | None = None


class Term(Model):
    id: DottedId
    term: NonEmpty
    abbr: str | None = None
    english: str | None = None
    definition: NonEmpty


class Signoff(Model):
    role: DottedId
    name: NonEmpty
    #: The day this person signed off (drafted / reviewed); the cover's approval block prints it.
    #: Left out, its date cell stays blank for a handwritten date.  The approval's day is the
    #: revision's ``approved_on``; a ``date`` on ``approved`` must be that same day (MK709).
    date: dt.date | None = None


class SectionChange(Model):
    section: SectionLabel
    description: NonEmpty
    #: Data changes this entry explicitly accounts for besides the section's own entries:
    #: data file names (``roles.yaml``) or entry ids (``complaint.general.resolve``, ``F-04-01``).
    covers: tuple[NonEmpty, ...] = ()


class Revision(Model):
    version: Version
    drafted: Signoff
    reviewed: Signoff
    approved: Signoff
    approved_on: dt.date
    effective: dt.date
    summary: NonEmpty
    changes: tuple[SectionChange, ...] = ()
    decisions: tuple[NonEmpty, ...] = ()
    repeals: tuple[NonEmpty, ...] = ()


class ManualMeta(Model):
    title: NonEmpty
    subtitle: str | None = None
    document_number: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9\-]*$")]
    owner_department: NonEmpty
    organisation: NonEmpty
    classification: NonEmpty
    controlled_copy: str | None = None
    version: Version
    effective: dt.date
    language: Literal["zh-CN"] = "zh-CN"
    #: The institution's own e-mail domains (tousu@bank.com.cn is a published complaint channel,
    #: not a customer's address): the checker's MK404 does not report addresses at them.
    institution_email_domains: tuple[
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")], ...
    ] = ()


class ManualData(Model):
    """Everything in data/, validated and cross-checked."""

    meta: ManualMeta
    roles: tuple[Role, ...] = ()
    slas: tuple[Sla, ...] = ()
    targets: tuple[Target, ...] = ()
    windows: tuple[ServiceWindow, ...] = ()
    shares: tuple[ShareGroup, ...] = ()
    forms: tuple[Form, ...] = ()
    checklists: tuple[Checklist, ...] = ()
    processes: tuple[Process, ...] = ()
    references: tuple[Reference, ...] = ()
    glossary: tuple[Term, ...] = ()
    revisions: tuple[Revision, ...] = ()

    def sla(self, sla_id: str) -> Sla:
        return _by_id(self.slas, sla_id)

    def form(self, form_id: str) -> Form:
        return _by_id(self.forms, form_id)

    def role(self, role_id: str) -> Role:
        return _by_id(self.roles, role_id)

    def reference(self, ref_id: str) -> Reference:
        return _by_id(self.references, ref_id)

    def process(self, process_id: str) -> Process:
        return _by_id(self.processes, process_id)

    def checklist(self, checklist_id: str) -> Checklist:
        return _by_id(self.checklists, checklist_id)

    def target(self, target_id: str) -> Target:
        return _by_id(self.targets, target_id)

    def window(self, window_id: str) -> ServiceWindow:
        return _by_id(self.windows, window_id)

    def share(self, share_id: str) -> ShareGroup:
        return _by_id(self.shares, share_id)

    @property
    def current_revision(self) -> Revision | None:
        return self.revisions[-1] if self.revisions else None


class HolidaySchedule(Model):
    """One year's official schedule (data/holidays.yaml) for a year chinesecalendar does not cover.

    Read by the business calendar (``manualkit.business_calendar``), validated by the loader with
    the other data files; not part of :class:`ManualData`.
    """

    year: int = Field(ge=1900, le=2999)
    #: The State Council notice the dates are copied from.
    source: NonEmpty
    #: Days off (放假), including weekend days inside a holiday block.
    holidays: tuple[dt.date, ...] | None = None
    #: Make-up working days on weekends (调休上班).
    workdays: tuple[dt.date, ...] | None = None
    note: str | None = None


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_T = TypeVar("_T", bound=_HasId)


def _by_id(items: tuple[_T, ...], item_id: str) -> _T:
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(item_id)


#: Which data file holds which collection (``data/<file>``), used by the loader.
DATA_FILES: dict[str, str] = {
    "meta": "manual.yaml",
    "roles": "roles.yaml",
    "slas": "slas.yaml",
    "targets": "targets.yaml",
    "windows": "windows.yaml",
    "shares": "shares.yaml",
    "forms": "forms.yaml",
    "checklists": "checklists.yaml",
    "processes": "processes.yaml",
    "references": "references.yaml",
    "glossary": "glossary.yaml",
    "revisions": "revisions.yaml",
}

#: The official holiday schedules for years chinesecalendar lacks (``data/<file>``): read by the
#: business calendar and validated by the loader, but not a collection of :class:`ManualData`.
HOLIDAYS_FILE = "holidays.yaml"
