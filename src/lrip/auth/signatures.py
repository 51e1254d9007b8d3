"""Electronic signatures (21 CFR Part 11 style): the one service every signed record calls.
Who must sign which decision is `lrip.auth.decisions`; `sign_decision` checks the signer against
that table and signs, `standing_of` says what a record's valid signatures add up to.

A signature is made by the signed-in person, who gives their password again
(11.200: each signing is an authentication; a wrong one is refused in words and
never locks anyone out of signing), records the
printed name, UTC time, meaning and role (11.50), and is bound to the SHA-256
of the signed record's canonical JSON (11.70), so a later change to the record
shows the signature no longer matches. There is no function to edit or delete
one; on PostgreSQL a trigger refuses UPDATE and DELETE on the table.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrip import audit, db
from lrip.auth.actor import Actor
from lrip.auth.decisions import TABLE, Decision, Given, Standing, check_signer, choose_role, standing
from lrip.auth.models import Signature
from lrip.auth.rules import MEANINGS, PriorSignature, content_hash, signing_role, signing_verdict
from lrip.auth.service import check_password
from lrip.db import require_unit_of_work
from lrip.errors import Refused

__all__ = ["MEANINGS", "sign", "sign_decision", "signatures_for", "signed", "standing_of", "content_hash"]


def _on_record(session: Session, record_type: str, record_id: str) -> list[Signature]:
    return list(session.execute(select(Signature).where(
        Signature.record_type == record_type, Signature.record_id == record_id).order_by(Signature.id)).scalars())


def sign(session: Session, actor: Actor, *, record_type: str, record_id: str | int, content: dict, password: str,
         meaning: str, role: str | None = None, author: str | None = None, independent: bool = False) -> Signature:
    """Sign a record's content as the signed-in `actor`, whose password is asked again.

    `content` is what is signed: the fields of the record a reviewer relies on.
    `role` may be left out when the signer holds one role. `author` (a username)
    and `independent=True` forbid the author to review, approve or verify it.
    The calling use case has checked its own permission; this checks the signer."""
    require_unit_of_work(session, write=True)
    user = check_password(session, actor.username, password)
    if user is None or user.id != actor.id:
        raise Refused("signature_refused", f"the password of {actor.username} is not right; nothing was signed")
    if not user.active:
        raise Refused("signature_refused", f"the account {user.username} is disabled and may not sign")
    username = user.username
    record_id = str(record_id)
    digest = content_hash(content)
    prior = [PriorSignature(s.username, s.role, s.meaning, s.content_hash)
             for s in _on_record(session, record_type, record_id)]
    chosen = signing_role(list(user.roles), role)
    signing_verdict(username=username, roles=list(user.roles), role=chosen, meaning=meaning, content_hash=digest,
                    prior=prior, author=author, independent=independent).raise_if_refused("signature_refused")
    signature = Signature(record_type=record_type, record_id=record_id, user_id=user.id, username=username,
                          printed_name=user.full_name, role=chosen, meaning=meaning, signed_at=db.utcnow(),
                          content_hash=digest)
    session.add(signature)
    session.flush()
    audit.record(session, actor=username, action="signature.signed", record_type=record_type, record_id=record_id,
                 after={"signature": signature.id, "name": signature.printed_name, "role": chosen,
                        "meaning": meaning, "content_hash": digest, "signed_at": signature.signed_at})
    return signature


def signatures_for(session: Session, record_type: str, record_id: str | int,
                   current_content: dict | None = None) -> list[dict]:
    """A record's signatures, oldest first; `valid` says whether each still matches
    the record's current content (None when the content is not given)."""
    current = content_hash(current_content) if current_content is not None else None
    return [{"id": s.id, "username": s.username, "name": s.printed_name, "role": s.role, "meaning": s.meaning,
             "signed_at": s.signed_at.isoformat(), "content_hash": s.content_hash,
             "valid": None if current is None else s.content_hash == current}
            for s in _on_record(session, record_type, str(record_id))]


def signed(session: Session, record_type: str, record_id: str | int, content: dict,
           meaning: str = "approved") -> list[Given]:
    """The record's signatures that still match `content` and carry the decision's `meaning`, as the
    decisions table counts them (an 'authored' or a 'reviewed' signature approves nothing)."""
    digest = content_hash(content)
    return [Given(s.username, s.role) for s in _on_record(session, record_type, str(record_id))
            if s.content_hash == digest and s.meaning == meaning]


def standing_of(session: Session, decision: Decision | str, phase: str | None, *, record_type: str,
                record_id: str | int, content: dict, author: str | None = None, also=()) -> Standing:
    """What the record's valid signatures add up to for `decision` (lrip.auth.decisions.standing)."""
    given = signed(session, record_type, record_id, content, TABLE[Decision(decision)].meaning)
    return standing(decision, phase, given, author=author, also=also)


def sign_decision(session: Session, actor: Actor, *, decision: Decision | str, phase: str | None, record_type: str,
                  record_id: str | int, content: dict, password: str, role: str | None = None,
                  author: str | None = None, also=(), record: str | None = None) -> Signature:
    """Sign `content` as one of the signatures `decision` needs in `phase` (lrip.auth.decisions). Refused,
    naming the roles still missing, when the signer's signature would not count: a role the decision does
    not need, one already given, or the `author` in a role that must be independent. `role` may be left
    out when only one of the signer's roles would count. `content` must carry the proposal's version. The
    signature carries the decision's meaning (lrip.auth.decisions.Rule.meaning)."""
    meaning = TABLE[Decision(decision)].meaning
    given = signed(session, record_type, record_id, content, meaning)
    chosen = role or choose_role(decision, phase, username=actor.username, roles=actor.roles, given=given,
                                 author=author, also=also) or signing_role(list(actor.roles), None)
    if chosen in actor.roles:  # a role the signer does not hold: sign() says so
        check_signer(decision, phase, username=actor.username, role=chosen, given=given, author=author,
                     also=also, record=record).raise_if_refused("signature_refused")
    return sign(session, actor, record_type=record_type, record_id=record_id, content=content, password=password,
                meaning=meaning, role=chosen, author=author)
