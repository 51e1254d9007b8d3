"""Whether the signed-in person can give a record a signature it still needs, by the rule sign_decision
applies (lrip.auth.decisions.check_signer, and signing_verdict's one signature per person), so a page offers the sign form only to someone whose signature
would count, and says why to anyone else."""
from typing import Iterable

from lrip.auth.decisions import Decision, Given, check_signer


def why_not_sign(decision: Decision | str, phase: str | None, *, username: str, roles: Iterable[str],
                 given: Iterable[Given], author: str | None = None, also: Iterable[str] = (),
                 record: str | None = None) -> list[str]:
    """[] when one of the person's roles gives a signature the record still needs; else every reason."""
    given = list(given)
    mine = [g.role for g in given if g.username == username]
    if mine:  # what lrip.auth.rules.signing_verdict refuses: the same person on the same content again
        return [f"{username} already signed {record or 'this record'} as {mine[0].replace('_', ' ')}"]
    reasons: list[str] = []
    for role in roles:
        verdict = check_signer(decision, phase, username=username, role=role, given=given, author=author,
                               also=also, record=record)
        if verdict.allowed:
            return []
        reasons += [r for r in verdict.reasons if r not in reasons]
    return reasons or [f"{username} holds no role that signs this"]
