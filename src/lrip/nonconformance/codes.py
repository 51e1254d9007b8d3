"""The defect-code catalogue: quality adds codes, changes what they mean, retires and reinstates them, each
change audited; an NCR is raised with a code in use. A retired code stays on the NCRs that have it (so it is
never deleted) and in the Pareto of old defects; the codes lrip gives by itself are never retired
(rules.AUTOMATIC_CODES)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrip import audit
from lrip.auth.actor import Actor, command, query
from lrip.db import get_one, utcnow
from lrip.nonconformance import rules
from lrip.nonconformance.models import DefectCode
from lrip.nonconformance.schemas import DefectCodeOut


def codes_in_use(session: Session) -> dict[str, str]:
    """The codes an NCR may be raised with, and what each means, in the catalogue's order (one statement)."""
    return dict(session.execute(select(DefectCode.code, DefectCode.meaning).where(DefectCode.active)
                                .order_by(DefectCode.id)).all())


def meaning_of(session: Session, code: str) -> str:
    """What a code means (a retired one too), or '' for a code the catalogue never had."""
    return session.execute(select(DefectCode.meaning).where(func.lower(DefectCode.code) == code.lower())
                           ).scalar_one_or_none() or ""


def _out(row: DefectCode) -> DefectCodeOut:
    return DefectCodeOut(code=row.code, meaning=row.meaning, active=row.active, automatic=row.code in
                         rules.AUTOMATIC_CODES, added_at=row.added_at, added_by=row.added_by)


@query()
def defect_codes(session: Session, actor: Actor, *, retired: bool = False) -> list[DefectCodeOut]:
    """The defect-code catalogue: the codes in use (with `retired`, the retired ones too)."""
    found = select(DefectCode).order_by(DefectCode.id)
    return [_out(row) for row in session.execute(found if retired else found.where(DefectCode.active)).scalars()]


@command("defect_code.manage")
def add_defect_code(session: Session, actor: Actor, *, code: str, meaning: str) -> DefectCodeOut:
    """Add a code to the catalogue (capitals, digits and hyphens) with what it means."""
    code = code.strip().upper()
    taken = session.execute(select(DefectCode.id).where(func.lower(DefectCode.code) == code.lower())).first()
    rules.check_defect_code(code=code, meaning=meaning, taken=taken is not None, new=True).raise_if_refused(
        "defect_code_refused")
    row = DefectCode(code=code, meaning=meaning.strip(), active=True, added_at=utcnow(), added_by=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="defect_code.added", record_type="defect_code", record_id=code,
                 after={"meaning": row.meaning, "active": True})
    return _out(row)


@command("defect_code.manage")
def change_defect_code(session: Session, actor: Actor, *, code: str, reason: str, meaning: str | None = None,
                       active: bool | None = None) -> DefectCodeOut:
    """Change what a code means, retire it (no new NCR takes it) or bring it back, with the reason."""
    row = get_one(session, DefectCode, "defect code", lock=True, code=code)
    rules.check_defect_code(code=row.code, meaning=meaning, retire=active is False, reason=reason or ""
                            ).raise_if_refused("defect_code_refused")
    before = {"meaning": row.meaning, "active": row.active}
    if meaning is not None:
        row.meaning = meaning.strip()
    if active is not None:
        row.active = active
    audit.record(session, actor=actor, action="defect_code.changed", record_type="defect_code", record_id=row.code,
                 before=before, after={"meaning": row.meaning, "active": row.active}, reason=reason.strip())
    return _out(row)
