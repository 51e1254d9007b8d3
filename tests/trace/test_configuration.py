"""Issue 13: a trace shows the revision of every unit (the part revision it is built to) and every lot (the
one received), so a recall can tell rev A stock from rev B."""
from factory import actor
from lrip.trace import service as trace_service


def test_a_trace_shows_each_units_and_each_lots_revision(gsession):
    found = trace_service.trace(gsession, actor(gsession, "olga"), identifier="SN-TOP", direction="backward")
    assert (found.root.identifier, found.root.revision) == ("SN-TOP", "A")
    assert sorted((n.identifier, n.part, n.revision) for n in found.units + found.material_lots) == [
        ("MTR-S01", "MTR-1", "A"), ("SCR-LOT-1", "SCR-4", "A"), ("WIRE-LOT-1", "WIRE-2", "A")]
