"""Domain events: how a lower area causes something in a higher one without importing it.

The lower area defines the event (a frozen dataclass) and publishes it inside its unit of work;
the higher area registers a handler with `@handles(EventType)`, which runs at once, in the same
transaction, as the same actor. A handler may return a value (an out-of-spec measurement's hold
names its NCR); `publish` returns them in registration order.

An event that must be handled (`required = True` on the class) refuses to be published when no
handler is registered: a missing import would otherwise skip a hold or an NCR silently.
`lrip.areas.load()` imports every area's handlers; the app, the CLI and the tests call it.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

_HANDLERS: dict[type, list[Callable]] = defaultdict(list)


class Unhandled(RuntimeError):
    """A required event was published with no handler registered (a programming error)."""


def handles(event_type: type):
    """Register the decorated function(session, actor, event) as a handler of `event_type`."""

    def register(fn: Callable) -> Callable:
        if fn not in _HANDLERS[event_type]:
            _HANDLERS[event_type].append(fn)
        return fn

    return register


def publish(session, actor, event) -> list[Any]:
    """Run every handler of the event now, in the caller's unit of work; their answers, in order."""
    handlers = _HANDLERS.get(type(event), [])
    if not handlers and getattr(event, "required", False):
        raise Unhandled(f"no handler is registered for {type(event).__name__}; call lrip.areas.load() first")
    return [handler(session, actor, event) for handler in handlers]
