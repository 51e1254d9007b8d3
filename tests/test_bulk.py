"""lrip.bulk: an import pauses the cyclic garbage collector while it holds its rows, and so does a program's
reading, each giving it back as it found it, refused or not."""
import gc

import pytest

from factory import actor, build_line, just_now
from lrip.errors import Invalid
from lrip.execution import imports, service as execution
from lrip.quality import service as quality
from lrip.bulk import collector_paused


def test_the_collector_is_paused_inside_and_given_back_as_it_was_even_after_an_error():
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError("a bad row")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off: it stays off
    finally:
        gc.enable()


def test_an_import_checks_its_rows_without_the_collector_and_gives_it_back_when_refused(session, monkeypatch):
    build_line(session)
    execution.create_unit(session, actor(session, "admin"), lot="L1", serial="SN-1")
    text = f"serial,operation,characteristic,value,recorded_at,operator,gauge\nSN-1,10,TORQUE,2.01,{just_now()},olga,G1\n"
    collecting = []
    operators = imports._operators

    def watched(*args):  # what the import reads before it checks the rows
        collecting.append(gc.isenabled())
        return operators(*args)

    monkeypatch.setattr(imports, "_operators", watched)
    with pytest.raises(Invalid):  # SN-1 has not started operation 10
        imports.import_measurements(session, actor(session, "admin"), text=text, source="station.csv")
    assert collecting == [False] and gc.isenabled()


def test_a_programs_metrics_and_spc_are_read_without_the_collector(session, monkeypatch):
    build_line(session)
    oscar = actor(session, "oscar")
    collecting = []
    line, first_results = quality._line, quality._first_results

    def watched(read):
        def reading(*args):
            collecting.append(gc.isenabled())
            return read(*args)
        return reading

    monkeypatch.setattr(quality, "_line", watched(line))
    monkeypatch.setattr(quality, "_first_results", watched(first_results))
    quality.metrics(session, oscar, program="ACT", by="lot")
    quality.dashboard(session, oscar, program="ACT")
    quality.characteristics_overview(session, oscar, program="ACT")
    assert collecting == [False, False, False] and gc.isenabled()
