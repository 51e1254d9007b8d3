"""The audit trail's installation tasks, which hold the database's own credentials and open their own
units of work (like the demo): the key and first checkpoint of `lrip init`, and the serving
application's regular checkpoint."""
from __future__ import annotations

import asyncio
import logging

from lrip import audit, keys
from lrip.config import checkpoint_minutes
from lrip.db import unit_of_work

log = logging.getLogger("lrip.audit")


def key_for(url: str, *, fresh: bool) -> keys.KeyInfo | None:
    """`lrip init`: create the installation key when there is none (returned, to be told); on a new database,
    a checkpoint of its empty chain, from which the key's checkpoint file tells this database's story
    (a database made anew at the same place does not inherit the checkpoints of the one before)."""
    made = None if keys.exists() else keys.init()
    if fresh:
        with unit_of_work(url) as session:
            audit.checkpoint(session, reason="a new database")
    return made


def checkpoint_if_moved(url: str, reason: str) -> audit.Checkpoint | None:
    """Installation: sign the head when events came since the last checkpoint (none when no key)."""
    if not keys.exists():
        return None
    with unit_of_work(url) as session:
        last = audit.last_checkpoint(session)
        if last is not None and last.seq == audit.head(session)[0]:
            return None
        return audit.checkpoint(session, reason=reason)


async def checkpoints_while_serving(url: str) -> None:
    """The server's task: a checkpoint when it starts, then every LRIP_CHECKPOINT_MINUTES (60 at most)."""
    every = checkpoint_minutes() * 60
    if not keys.exists():
        log.warning("no installation key in %s: no audit checkpoints while serving (run `lrip keys init`)",
                    keys.checkpoints_file().parent)
    while True:
        try:
            await asyncio.to_thread(checkpoint_if_moved, url, "while serving")
        except Exception:  # a failed checkpoint must not stop the server; the next one tries again
            log.exception("the audit checkpoint failed")
        await asyncio.sleep(every)
