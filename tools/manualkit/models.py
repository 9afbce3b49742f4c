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

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

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

#: The pydantic error type of the rules below that pydantic's own constraints cannot say (a closing
#: time after the opening time, choices for a choice field …).  Its message is complete
#: ("expected …, found …"), and the loader prints it as it is; ``ctx["at"]``, when set, names the
#: sibling field the error belongs to (a percentage refused for its unit is wrong at ``value``).
DATA_RULE = "data_rule"


def rule_error(message: str, *, at: str | None = None) -> PydanticCustomError:
    """A :data:`DATA_RULE` error with ``message`` (braces in it are kept as written)."""
    return PydanticCustomError(DATA_RULE, "{message}", {"message": message, "at": at})


def _clock_time(latest: str) -> AfterValidator:
    """A validator of ``HH:MM`` texts (the pattern is checked first) from 00:00 to ``latest``."""
    limit = "00:00 to 23:59" + (" (or 24:00 for midnight)" if latest == "24:00" else "")

    def check(value: str) -> str:
        if int(value[3:]) > 59 or value > latest:
            raise rule_error(f"expected a clock time from {limit}, found {value!r}")
        return value

    return AfterValidator(check)


_HHMM = StringConstraints(pattern=r"^\d{2}:\d{2}$")
#: A time of day a service opens: 00:00–23:59.
OpeningTime = Annotated[str, _HHMM, _clock_time("23:59")]
#: A time of day a service closes: 00:00–23:59, or 24:00 for a service open until midnight
#: (全天0:00—24:00 is how a round-the-clock hotline is announced; 23:59 would print a minute
#: that is not meant).
ClosingTime = Annotated[str, _HHMM, _clock_time("24:00")]

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

    @field_validator("unit")
    @classmethod
    def _percentage(cls, unit: str, info: ValidationInfo) -> str:
        """A percentage lies between 0 and 100 (the error is at ``value``)."""
        value = info.data.get("value")
        if unit == "percent" and value is not None and not 0 <= value <= 100:
            shown = str(int(value)) if float(value).is_integer() else repr(value)
            raise rule_error(
                f"expected a percentage from 0 to 100 (unit: percent), found {shown}", at="value"
            )
        return unit


class ServiceWindow(Model):
    """Opening hours of a channel, e.g. working days 09:00–18:00."""

    id: DottedId
    name: NonEmpty
    days: Literal["working_days", "all_days"]
    opens: OpeningTime
    closes: ClosingTime
    section: SectionLabel | None = None
    note: str | None = None

    @field_validator("closes")
    @classmethod
    def _after_opening(cls, closes: str, info: ValidationInfo) -> str:
        """A window closes after it opens (on the same day: no window runs past midnight)."""
        opens = info.data.get("opens")
        if opens is not None and closes <= opens:
            raise rule_error(f"expected a closing time after the opening time {opens!r}, found {closes!r}")
        return closes


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
    #: The options of a ``choice`` field (at least two); no other type has any.
    choices: tuple[NonEmpty, ...] = Field(default=(), validate_default=True)
    #: For a deadline field: the SLA whose deadline the field records.
    sla: DottedId | None = None

    @field_validator("choices")
    @classmethod
    def _choices_of_a_choice(cls, choices: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        kind = info.data.get("type")
        if kind == "choice" and len(choices) < 2:
            raise rule_error(
                f"expected at least 2 choices for a 'choice' field, found {len(choices) or 'none'}"
            )
        if kind is not None and kind != "choice" and choices:
            raise rule_error(
                f"expected no choices on a {kind!r} field (set type: choice to offer them), "
                f"found {len(choices)}"
            )
        return choices


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


#: Limits of a process flowchart.  The real processes have at most 7 steps and 3 branches a step.
#: Graphviz's layout time grows much faster than the drawing: 80 steps branching 30 ways each
#: (112 KB of data) kept ``dot`` busy for over six minutes, and the flowchart of a process has
#: no time limit of its own; 120 transitions lay out in a quarter of a second however arranged.
MAX_STEPS = 60
MAX_BRANCHES = 8
MAX_TRANSITIONS = 120


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
    next: tuple[Branch, ...] = Field(default=(), max_length=MAX_BRANCHES)
    end: bool = False


class Process(Model):
    id: DottedId
    title: NonEmpty
    owner: DottedId
    section: SectionLabel
    #: End-to-end SLA every path through the process must fit in.
    sla: DottedId | None = None
    steps: tuple[Step, ...] = Field(min_length=1, max_length=MAX_STEPS)

    @field_validator("steps")
    @classmethod
    def _drawable(cls, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        """A flowchart Graphviz lays out in a moment (see :data:`MAX_TRANSITIONS`)."""
        transitions = sum(len(step.next) if step.next else (0 if step.end else 1) for step in steps)
        if transitions > MAX_TRANSITIONS:
            raise rule_error(
                f"expected at most {MAX_TRANSITIONS} transitions between steps (a flowchart a reader "
                f"can follow and Graphviz can lay out), found {transitions}"
            )
        return steps


class Reference(Model):
    id: DottedId
    title: NonEmpty
    issuer: NonEmpty
    number: str | None = None
    issued: dt.date | None = None
    effective: dt.date | None = None
    status: Literal["in_force", "superseded", "repealed", "unverified"]
    #: The regulation that replaces a superseded or repealed one (required for those).  A repeal
    #: without a replacement names the decision that repealed it (register it as a reference).
    superseded_by: DottedId | None = Field(default=None, validate_default=True)
    kind: Literal["law", "regulation", "rule", "standard", "internal"] = "regulation"
    note: str | None = None

    @field_validator("effective")
    @classmethod
    def _effective_after_issued(cls, effective: dt.date | None, info: ValidationInfo) -> dt.date | None:
        """A regulation takes effect on or after the day it is issued (自公布之日起施行: the same day)."""
        issued = info.data.get("issued")
        if effective is not None and issued is not None and effective < issued:
            raise rule_error(
                f"expected a date on or after issued ({issued.isoformat()}), found {effective.isoformat()}"
            )
        return effective

    @field_validator("superseded_by")
    @classmethod
    def _successor_named(cls, successor: str | None, info: ValidationInfo) -> str | None:
        """A superseded or repealed regulation names its successor (the README's promise)."""
        status = info.data.get("status")
        if successor is None and status in ("superseded", "repealed"):
            hint = "; for a repeal without replacement, name the decision that repealed it"
            raise rule_error(
                "expected superseded_by naming the regulation that replaces it "
                f"(status: {status}), found none" + (hint if status == "repealed" else "")
            )
        return successor


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
    #: The title the section had, for a section removed since the previous release: the
    #: revision history names it "<title>（本节已删除）" rather than by its label (MK704 asks
    #: for it and compares it with the release's heading).
    title: NonEmpty | None = None
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
        """The revision with the highest version number (file order breaks ties).

        Not merely the last one listed: the loader does not hold revisions.yaml to an order
        (the checker's MK701 does), and the site, the PDF cover and the DOCX must name the same
        approval even in a build that skipped the checker.
        """
        if not self.revisions:
            return None
        return max(self.revisions, key=lambda rev: tuple(int(part) for part in rev.version.split(".")))


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
