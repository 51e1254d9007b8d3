"""The settings an installation has, what each means, and what a value must be. Pure."""
from __future__ import annotations

from lrip.errors import Verdict, verdict

SETTINGS = {
    "organization": "The organization's name as the quality records print it: AS9102 Form 1, box 10 "
                    "(the company and plant that makes the part, not a program)",
}
MAX_LENGTH = 200


def check_setting(key: str, value: str, reason: str) -> Verdict:
    """A known setting, a value in words (one line), and why it changes."""
    reasons = []
    if key not in SETTINGS:
        reasons.append(f"'{key}' is not a setting; the settings are {', '.join(SETTINGS)}")
    if not value.strip():
        reasons.append(f"the {key} is not empty")
    elif len(value.strip()) > MAX_LENGTH or any(ord(c) < 32 for c in value):
        reasons.append(f"the {key} is one line of at most {MAX_LENGTH} characters")
    if not reason.strip():
        reasons.append("a change to the installation's settings needs a reason")
    return verdict(reasons)
