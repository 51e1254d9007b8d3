"""The FRP readiness criteria and the verdict: pure.

Each criterion is judged from plain data the service gathers (numbers, lists of
records); its result says pass / fail / insufficient_data (or waived, once a
signed waiver covers it), the measured value against the program's target, the
records it used (evidence, with links) and every finding in words.

The criteria and their grouping follow the questions of the full-rate
production decision review, as the Manufacturing Readiness Level deskbook puts
them for MRL 8 → 9 (OSD ManTech, "Manufacturing Readiness Level (MRL)
Deskbook", 2022, table of MRL criteria): is manufacturing under control, can it
be reliably produced, are key issues resolved in the product baseline, are
suppliers and materials ready, is the capacity there, are risks mitigated. The
MRL criteria say "meets target", not a number, so every threshold is the
program's own target with a default (Cpk 1.33: AIAG SPC manual, 2nd ed., 2005).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from lrip import files
from lrip.readiness.rules import CriterionStatus, GateVerdict

PASS, FAIL, INSUFFICIENT, WAIVED = CriterionStatus
STATUSES = tuple(CriterionStatus)
GO, GO_WITH_CONDITIONS, NO_GO = GateVerdict
VERDICTS = tuple(GateVerdict)
ATTESTATION_TOPICS = {
    "facilities": "Facilities and equipment for full rate are in place",
    "funding": "Funding for full-rate production is secured",
    "operational_test": "Operational test results support full-rate production",
    "risk_register": "The risk register is reviewed and open risks are mitigated",
}

QUALITY_CRITERIA = ("capability", "yield", "quality", "first_article", "documentation")
"""The criteria on the product's quality and its proof: waiving one needs quality's signature too."""

GROUPS = ("Is manufacturing under control?", "Can it be reliably produced?",
          "Are key issues resolved in the product baseline?", "Are suppliers and materials ready?",
          "Is the capacity there?", "Are risks mitigated?")


@dataclass(frozen=True)
class Target:
    name: str
    default: float
    words: str  # "minimum Cpk (and Ppk) of each key characteristic"
    kind: str = "number"  # number | fraction (shown as %) | count


@dataclass(frozen=True)
class Criterion:
    id: str
    number: int
    group: str
    title: str
    targets: tuple[Target, ...]
    how_to_close: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion("capability", 1, GROUPS[0], "Process capability", (
        Target("cpk_min", 1.33, "minimum Cpk and Ppk of each key characteristic"),
        Target("min_samples", 30, "measurements needed for a capability study (fewer: yield stands in)", "count"),
        Target("fpy_min", 0.95, "first-pass yield a small-lot characteristic needs instead", "fraction"),
    ), "Find and remove the special cause (chart the characteristic, see which lot and tool), build more LRIP "
       "units until the last N points are in control and Cpk/Ppk reach the target; or waive with a signed "
       "condition (e.g. 100% inspection of the characteristic until it does)."),
    Criterion("quality", 3, GROUPS[0], "Quality: nonconformances, CAPA, DPU trend", (
        Target("open_major_ncrs_max", 0, "open critical or major NCRs allowed", "count"),
    ), "Disposition and close every critical or major NCR (lrip ncr ...), close every CAPA with its "
       "effectiveness verified, and show falling defects per unit over the LRIP lots."),
    Criterion("yield", 2, GROUPS[1], "Yield", (
        Target("rty_min", 0.90, "rolled throughput yield of the last LRIP lot", "fraction"),
        Target("fpy_min", 0.95, "first-pass yield of each operation", "fraction"),
    ), "Work the operations below the first-pass yield target (defect Pareto of the last lot), then build "
       "a lot that meets the rolled throughput yield target."),
    Criterion("workforce", 7, GROUPS[1], "Workforce qualification", (),
              "Every operation on every LRIP unit must have been started by an operator who held the operation's "
              "qualification that day; review the listed records (MRB) and waive with a signed condition, or "
              "rebuild/re-inspect the units."),
    Criterion("first_article", 4, GROUPS[2], "First article", (),
              "Complete the first article inspection of the current configuration and every delta FAI "
              "outstanding after a change (lrip fai ...)."),
    Criterion("design_stability", 5, GROUPS[2], "Design stability", (
        Target("weeks", 8, "weeks of change traffic looked at", "count"),
        Target("changes_per_week_max", 1.0, "changes per week allowed on average over those weeks"),
    ), "Implement or reject the open major change requests (lrip change ...); change traffic falls "
       "below target as the design settles."),
    Criterion("documentation", 6, GROUPS[2], "Documentation and traceability", (),
              "Release every operation's work instruction (no draft, no redline) and complete the record of "
              "every LRIP unit the traceability check lists."),
    Criterion("supply_chain", 8, GROUPS[3], "Supply chain", (
        Target("on_time_min", 0.95, "on-time delivery of each supplier", "fraction"),
        Target("ppm_max", 1000, "defective parts per million of each supplier", "count"),
        Target("frp_periods", 4, "first FRP periods of the ramp plan that must be free of shortages", "count"),
    ), "Approve a source for every BOM part, work the late or defective suppliers (expedite, second source, "
       "SCAR), and place orders that cover the first FRP periods of the ramp plan."),
    Criterion("capacity", 9, GROUPS[4], "Capacity", (
        Target("utilisation_max", 0.85, "bottleneck utilisation at the FRP rate", "fraction"),
    ), "Add stations or hours at the bottleneck (or shorten its operations) until the line holds the FRP "
       "target rate at the utilisation target."),
    Criterion("learning", 10, GROUPS[4], "Cost and learning", (
        Target("hours_ratio_max", 1.0, "projected hours per unit at FRP, as a multiple of the standard hours"),
    ), "Keep building: the fitted learning curve must project unit hours at FRP within target; "
       "else re-plan the standard or the cost."),
    Criterion("attestations", 11, GROUPS[5], "Attestations", (),
              "A named person attests each topic no record can prove (facilities, funding, operational test "
              "results, risk register) with an e-signature and an attachment (lrip readiness attest ...)."),
)
BY_ID = {c.id: c for c in CRITERIA}


def targets_for(overrides: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The program's targets: the defaults with its own overrides."""
    return {c.id: {t.name: overrides.get(c.id, {}).get(t.name, t.default) for t in c.targets} for c in CRITERIA}


def check_target(criterion: str, name: str, value: float) -> list[str]:
    """Every reason a target cannot be set to this value."""
    if criterion not in BY_ID:
        return [f"'{criterion}' is not a readiness criterion; they are {', '.join(BY_ID)}"]
    target = next((t for t in BY_ID[criterion].targets if t.name == name), None)
    if target is None:
        names = ", ".join(t.name for t in BY_ID[criterion].targets) or "none"
        return [f"criterion {criterion} has no target '{name}'; its targets are {names}"]
    if value != value or value < 0:
        return [f"a target is zero or more, not {value}"]
    if target.kind == "fraction" and value > 1:
        return [f"{name} is a fraction between 0 and 1 (0.95 for 95%), not {value}"]
    if target.kind == "count" and value != int(value):
        return [f"{name} is a whole number, not {value}"]
    return []


MAX_ATTACHMENT = 5 * 1024 * 1024


def check_waiver(criterion: str, condition: str, reason: str) -> list[str]:
    reasons = []
    if criterion not in BY_ID:
        reasons.append(f"'{criterion}' is not a readiness criterion; they are {', '.join(BY_ID)}")
    if not (condition or "").strip():
        reasons.append("a waiver names its condition (what is done instead, until when)")
    if not (reason or "").strip():
        reasons.append("a waiver needs a reason")
    return reasons


def check_attestation(topic: str, statement: str, attachment_name: str, size: int, content_type: str) -> list[str]:
    """`content_type` is what the attachment's bytes are (lrip.files.kept_type)."""
    reasons = []
    if topic not in ATTESTATION_TOPICS:
        reasons.append(f"'{topic}' is not an attestation topic; they are {', '.join(ATTESTATION_TOPICS)}")
    if not (statement or "").strip():
        reasons.append("an attestation needs a statement")
    if not size:
        reasons.append("an attestation needs an attachment (the document that backs it)")
    elif size > MAX_ATTACHMENT:
        reasons.append(f"the attachment is over {MAX_ATTACHMENT // (1024 * 1024)} MB")
    else:
        reasons += files.type_problems(attachment_name, content_type)
    if not (attachment_name or "").strip():
        reasons.append("the attachment needs a file name")
    return reasons


# ---------------------------------------------------------------- evidence links

PAGES = {"unit": "/units/{}", "lot": "/lots/{}", "ncr": "/ncrs/{}", "capa": "/capas/{}", "change": "/changes/{}",
         "supplier": "/suppliers/{}", "characteristic": "/programs/{program}/spc/{}",
         "material_lot": "/trace?identifier={}", "program": "/programs/{}", "document": None, "part": None,
         "operation": None, "work_center": None, "attestation": "/programs/{program}/readiness#attestation-{}",
         "waiver": "/programs/{program}/readiness#waiver-{}", "redline": None, "fai": "/fai/{}"}


def link(kind: str, ident, note: str = "", *, program: str = "") -> dict:
    """One piece of evidence: the record's kind, its human identifier, the page that shows it."""
    page = PAGES.get(kind)
    url = page.format(quote(str(ident), safe=""), program=quote(program, safe="")) if page else None
    return {"kind": kind, "id": str(ident), "url": url, "note": note}


# ---------------------------------------------------------------- results

MAX_FINDINGS = 25  # per criterion; the rest are counted, so a 10,000-unit program's snapshot stays readable


def result(criterion: str, status: str, *, value=None, target=None, message: str, evidence=(),
           findings=(), measures=(), charts=None, stand_in: bool = False, unit: str = "") -> dict:
    """One criterion's result; `unit` is "%" when value and target are fractions."""
    c = BY_ID[criterion]
    findings = list(findings)
    if len(findings) > MAX_FINDINGS:
        findings = findings[:MAX_FINDINGS] + [f"… and {len(findings) - MAX_FINDINGS} more like these"]
    return {"id": c.id, "number": c.number, "group": c.group, "title": c.title, "status": status,
            "value": value, "target": target, "unit": unit, "message": message, "findings": findings,
            "evidence": list(evidence)[:200], "measures": list(measures), "charts": charts or {},
            "stand_in": stand_in}


def measure(name: str, value, target, ok: bool | None, unit: str = "") -> dict:
    return {"name": name, "value": value, "target": target, "ok": ok, "unit": unit}


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def judge_capability(characteristics: list[dict], t: dict, program: str = "") -> dict:
    """Each key characteristic: at least min_samples LRIP measurements, min(Cpk, Ppk) ≥ target and no Nelson
    rule 1 point in the last min_samples points. Cpk uses the within-subgroup sigma and hides a drift between
    lots; Ppk (overall sigma) shows it, so the lower of the two is judged. A characteristic with fewer
    measurements is judged by its first-pass yield instead (a small lot cannot support SPC), and says so.

    `characteristics`: [{code, name, n, cpk, ppk, basis, rule1: [serials], fpy, scrap, rework, cycle_minutes}];
    `basis` says in words which results Cpk and Ppk come from (quality.service.basis), as the SPC page does."""
    if not characteristics:
        return result("capability", INSUFFICIENT, target=t["cpk_min"],
                      message="no key characteristic with limits on the LRIP routing, nor any LRIP measurement",
                      findings=["no key characteristic has been measured on an LRIP unit"])
    findings, evidence, measures, lowest, stand_in = [], [], [], None, False
    for c in characteristics:
        label = f"{c['code']} {c['name']}"
        evidence.append(link("characteristic", c["code"], f"n {c['n']}", program=program))
        if c["n"] < t["min_samples"] or c.get("cpk") is None:
            stand_in = True
            ok = c.get("fpy") is not None and c["fpy"] >= t["fpy_min"]
            extra = [f"scrap {_pct(c['scrap'])}" if c.get("scrap") is not None else "",
                     f"rework {_pct(c['rework'])}" if c.get("rework") is not None else "",
                     f"cycle {c['cycle_minutes']:.0f} min against {c['standard_minutes']:g} standard"
                     if c.get("cycle_minutes") is not None and c.get("standard_minutes") else ""]
            extra = ", ".join(e for e in extra if e)
            measures.append(measure(f"{c['code']} operation first-pass yield (stand-in, n {c['n']}"
                                    + (f"; {extra}" if extra else "") + ")", c.get("fpy"), t["fpy_min"], ok, "%"))
            if not ok:
                findings.append(f"{label}: only {c['n']} measurements (fewer than {t['min_samples']:g}), and its "
                                f"first-pass yield {_pct(c.get('fpy'))} is below {_pct(t['fpy_min'])}")
            continue
        worst = min(c["cpk"], c["ppk"]) if c.get("ppk") is not None else c["cpk"]
        lowest = worst if lowest is None else min(lowest, worst)
        ok = worst >= t["cpk_min"] and not c.get("rule1")
        basis = c.get("basis") or f"n {c['n']}"
        measures.append(measure(f"{c['code']} Cpk / Ppk ({basis})",
                                f"{c['cpk']:.2f} / {c['ppk']:.2f}" if c.get("ppk") is not None else f"{c['cpk']:.2f}",
                                t["cpk_min"], ok))
        if c["cpk"] < t["cpk_min"]:
            findings.append(f"{label}: Cpk {c['cpk']:.2f} is below {t['cpk_min']:g} ({basis})")
        elif c.get("ppk") is not None and c["ppk"] < t["cpk_min"]:
            findings.append(f"{label}: Ppk {c['ppk']:.2f} is below {t['cpk_min']:g} although Cpk is "
                            f"{c['cpk']:.2f} ({basis}): the process shifted or drifted between units (overall "
                            "spread wider than the unit-to-unit spread)")
        if c.get("rule1"):
            serials = c["rule1"]
            findings.append(f"{label}: {len(serials)} point(s) beyond the control limits (Nelson rule 1) in the "
                            f"last {t['min_samples']:g}: {', '.join(serials[:5])}" + (" …" if len(serials) > 5 else ""))
            evidence += [link("unit", s, f"{c['code']} beyond control limits") for s in serials[:10]]
    note = (" Characteristics with too few measurements for SPC are judged by their first-pass yield instead."
            if stand_in else "")
    status = FAIL if findings else PASS
    message = (f"{len(findings)} finding(s) on {len(characteristics)} key characteristics." if findings else
               f"All {len(characteristics)} key characteristics capable and in control.") + note
    return result("capability", status, value=None if lowest is None else round(lowest, 3), target=t["cpk_min"],
                  message=message, findings=findings, evidence=evidence, measures=measures, stand_in=stand_in)


def judge_yield(lot: str | None, rty: float | None, fpy: dict[str, float], t: dict) -> dict:
    """Rolled throughput yield (the product of first-pass yields) of the last LRIP lot and each operation's
    first-pass yield against their targets."""
    if lot is None or rty is None:
        return result("yield", INSUFFICIENT, target=t["rty_min"], unit="%", message="no LRIP lot has completed operations yet",
                      findings=["no LRIP lot has first-pass yield data yet"])
    findings = []
    measures = [measure(f"rolled throughput yield, lot {lot}", round(rty, 4), t["rty_min"], rty >= t["rty_min"], "%")]
    if rty < t["rty_min"]:
        findings.append(f"lot {lot}: rolled throughput yield {_pct(rty)} is below {_pct(t['rty_min'])}")
    for op, y in fpy.items():
        ok = y >= t["fpy_min"]
        measures.append(measure(f"first-pass yield, operation {op}", round(y, 4), t["fpy_min"], ok, "%"))
        if not ok:
            findings.append(f"lot {lot}: operation {op} first-pass yield {_pct(y)} is below {_pct(t['fpy_min'])}")
    return result("yield", FAIL if findings else PASS, value=round(rty, 4), target=t["rty_min"], unit="%",
                  message=f"Lot {lot}: rolled throughput yield {_pct(rty)}.", findings=findings,
                  evidence=[link("lot", lot, "last LRIP lot")], measures=measures)


def dpu_rising(dpu: list[tuple[str, float]]) -> bool:
    """Defects per unit rising across LRIP lots: the least-squares slope over the lots in build order is
    positive (two lots: the second is higher)."""
    if len(dpu) < 2:
        return False
    n = len(dpu)
    xs = range(n)
    mx, my = (n - 1) / 2, sum(d for _, d in dpu) / n
    slope = sum((x - mx) * (d - my) for x, (_, d) in zip(xs, dpu)) / sum((x - mx) ** 2 for x in xs)
    return slope > 1e-12


def judge_quality(open_ncrs: list[dict], capas: list[dict], dpu: list[tuple[str, float]], t: dict,
                  program: str = "") -> dict:
    """No open critical or major NCR (beyond the target), every CAPA closed with effectiveness verified, DPU
    not rising across LRIP lots. `open_ncrs`: NCRs not closed ({number, severity, status, ...})."""
    blocking = [n for n in open_ncrs if n.get("severity") in ("critical", "major")]
    open_capas = [c for c in capas if c.get("status") != "closed" or not c.get("effectiveness_verified")]
    findings = []
    if len(blocking) > t["open_major_ncrs_max"]:
        findings += [f"NCR {n['number']} ({n['severity']}) is {str(n.get('status', 'open')).replace('_', ' ')}"
                     + (f": {n['description']}" if n.get("description") else "") for n in blocking]
    for c in open_capas:
        findings.append(f"CAPA {c['number']} is {c.get('status', 'open')}" +
                        ("" if c.get("status") != "closed" else ", effectiveness not verified"))
    rising = dpu_rising(dpu)
    if rising:
        findings.append("defects per unit are rising across the LRIP lots: "
                        + ", ".join(f"{lot} {d:.3f}" for lot, d in dpu))
    evidence = ([link("ncr", n["number"], f"{n['severity']}, {n.get('status')}") for n in open_ncrs] +
                [link("capa", c["number"], str(c.get("status"))) for c in open_capas] +
                [link("lot", lot, f"DPU {d:.3f}") for lot, d in dpu])
    measures = [measure("open critical or major NCRs", len(blocking), t["open_major_ncrs_max"],
                        len(blocking) <= t["open_major_ncrs_max"]),
                measure("CAPAs open or not verified effective", len(open_capas), 0, not open_capas),
                measure("DPU trend across LRIP lots", "rising" if rising else "not rising", "not rising", not rising)]
    return result("quality", FAIL if findings else PASS, value=len(blocking), target=t["open_major_ncrs_max"],
                  message=f"{len(open_ncrs)} open NCR(s), {len(blocking)} critical or major; {len(capas)} CAPA(s), "
                          f"{len(open_capas)} not closed and verified.",
                  findings=findings, evidence=evidence, measures=measures, charts={"dpu": dpu})


def judge_first_article(status: dict) -> dict:
    """A complete FAI for the current configuration and no delta FAI outstanding (`fai_status`)."""
    outstanding = status.get("outstanding") or []
    findings = [o.get("reason", "FAI outstanding") + (f" ({', '.join(o['characteristics'])})"
                                                      if o.get("characteristics") else "") for o in outstanding]
    if not status.get("complete") and not findings:
        findings.append("no complete first article inspection of the current configuration")
    evidence = [link("fai", r.get("number") or r.get("serial") or r.get("id"), str(r.get("status", "")))
                for r in status.get("records") or []]
    return result("first_article", FAIL if findings else PASS, value=len(outstanding), target=0,
                  message=("First article complete; no delta FAI outstanding." if not findings else
                           f"{len(findings)} first-article item(s) outstanding."),
                  findings=findings, evidence=evidence,
                  measures=[measure("FAI items outstanding", len(outstanding), 0, not findings)])


def judge_design_stability(open_major: list[dict], traffic: list[dict], t: dict) -> dict:
    """No open major change request; average changes per week over the last `weeks` weeks within target.
    `traffic`: [{week, major, minor}]."""
    weeks = len(traffic)
    total = sum((w.get("major") or 0) + (w.get("minor") or 0) for w in traffic)
    per_week = total / weeks if weeks else 0.0
    findings = [f"change request {c['number']} (major) is {str(c.get('status', 'open')).replace('_', ' ')}"
                + (f": {c['title']}" if c.get("title") else "") for c in open_major]
    if per_week > t["changes_per_week_max"]:
        findings.append(f"{per_week:.2f} changes per week over the last {weeks} weeks, above "
                        f"{t['changes_per_week_max']:g}")
    return result("design_stability", FAIL if findings else PASS, value=round(per_week, 3),
                  target=t["changes_per_week_max"],
                  message=f"{len(open_major)} open major change request(s); {total} change(s) in the last {weeks} weeks.",
                  findings=findings, evidence=[link("change", c["number"], "open, major") for c in open_major],
                  measures=[measure("open major change requests", len(open_major), 0, not open_major),
                            measure(f"changes per week, last {weeks} weeks", round(per_week, 2),
                                    t["changes_per_week_max"], per_week <= t["changes_per_week_max"])],
                  charts={"traffic": traffic})


def judge_documentation(instructions: list[dict], redlines: list[dict], incomplete: list[dict] | None,
                        units_checked: int) -> dict:
    """Every operation's instruction released, no redline, every LRIP unit's record complete.
    `instructions`: [{operation, document, status}]; `incomplete`: [{serial, gaps}] or None when the
    traceability check is not available."""
    findings = [f"operation {i['operation']}: instruction {i['document'] or '(none)'} is "
                f"{i['status'] or 'missing'}, not released" for i in instructions if i["status"] != "released"]
    findings += [f"redline {r['number']} on {r['serial']} operation {r['operation']} ({r.get('instruction') or 'no instruction'}) "
                 "is not incorporated by an implemented change" for r in redlines]
    evidence = [link("document", i["document"], f"op {i['operation']}: {i['status']}") for i in instructions
                if i["document"]] + [link("redline", r["number"], f"on {r['serial']}") for r in redlines]
    if incomplete is None:
        findings.append("not yet measured: unit record completeness (the traceability check)")
        status = INSUFFICIENT if not findings[:-1] else FAIL
    else:
        for u in incomplete:
            findings.append(f"{u['serial']}: record incomplete — {'; '.join(u['gaps'])}")
            evidence.append(link("unit", u["serial"], "record incomplete"))
        status = FAIL if findings else PASS
    released = sum(1 for i in instructions if i["status"] == "released")
    measures = [measure("instructions released", f"{released} of {len(instructions)}", "all",
                        released == len(instructions)),
                measure("redlines", len(redlines), 0, not redlines)]
    if incomplete is not None:
        measures.append(measure("complete LRIP units with an incomplete record", len(incomplete), 0, not incomplete))
    return result("documentation", status, value=len(findings), target=0,
                  message=f"{released} of {len(instructions)} instructions released; {len(redlines)} redline(s); "
                          + (f"{len(incomplete)} of {units_checked} complete LRIP units' records incomplete."
                             if incomplete is not None else "record completeness not measured."),
                  findings=findings, evidence=evidence, measures=measures)


def judge_workforce(records: int, unqualified: list[dict]) -> dict:
    """Every operation record on an LRIP unit was started by an operator qualified at that moment.
    `unqualified`: [{serial, operation, operator, skill, why}]."""
    if records == 0:
        return result("workforce", INSUFFICIENT, value=0, target=0, message="no operation recorded on an LRIP unit",
                      findings=["no operation has been recorded on an LRIP unit"])
    findings = [f"{u['serial']} operation {u['operation']}: {u['operator']} {u['why']}" for u in unqualified]
    return result("workforce", FAIL if findings else PASS, value=len(unqualified), target=0,
                  message=f"{records - len(unqualified)} of {records} operation records done by a qualified operator.",
                  findings=findings, evidence=[link("unit", u["serial"], f"op {u['operation']}, {u['operator']}")
                                               for u in unqualified[:50]],
                  measures=[measure("operation records by an unqualified operator", len(unqualified), 0,
                                    not unqualified)])


def judge_supply(unsourced: list[str], suppliers: list[dict] | None, shortages: list[dict] | None, t: dict,
                 frp_periods: list[str]) -> dict:
    """Every BOM part has an approved source; each supplier's on-time delivery and PPM within target; no
    shortage in the first FRP periods. `suppliers`: scorecard rows (None: not measured);
    `shortages`: [{part, period, quantity_short, ...}] in those periods (None: not measured)."""
    findings = [f"BOM part {p} has no approved source" for p in unsourced]
    evidence = [link("part", p, "no approved source") for p in unsourced]
    measures = [measure("BOM parts without an approved source", len(unsourced), 0, not unsourced)]
    missing = []
    worst_on_time = None
    if suppliers is None:
        missing.append("supplier on-time delivery and PPM (the supplier scorecard)")
    else:
        for s in suppliers:
            on_time, ppm = s.get("on_time_rate"), s.get("ppm")
            if on_time is not None:
                worst_on_time = on_time if worst_on_time is None else min(worst_on_time, on_time)
            late = on_time is not None and on_time < t["on_time_min"]
            bad = ppm is not None and ppm > t["ppm_max"]
            if late:
                findings.append(f"supplier {s['supplier']} ({s.get('name', '')}) delivered {_pct(on_time)} on time, "
                                f"below {_pct(t['on_time_min'])}")
            if bad:
                findings.append(f"supplier {s['supplier']} ({s.get('name', '')}) runs at {ppm:,.0f} PPM, above "
                                f"{t['ppm_max']:,.0f}")
            measures.append(measure(f"{s['supplier']} on time / PPM",
                                    f"{_pct(on_time)} / {'—' if ppm is None else f'{ppm:,.0f}'}",
                                    f"{_pct(t['on_time_min'])} / {t['ppm_max']:,.0f}",
                                    None if on_time is None and ppm is None else not (late or bad)))
            evidence.append(link("supplier", s["supplier"], f"on time {_pct(on_time)}"))
    if shortages is None:
        missing.append("shortages over the first FRP periods (material planning)")
    else:
        for s in shortages:
            findings.append(f"{s['part']} short by {s['quantity_short']:g} in the period of {s['period']}"
                            + (f" (blocks {', '.join(s['blocks_lots'])})" if s.get("blocks_lots") else ""))
            evidence.append(link("part", s["part"], f"short {s['quantity_short']:g} in {s['period']}"))
        measures.append(measure(f"shortages in the first {len(frp_periods)} FRP periods", len(shortages), 0,
                                not shortages))
        if not frp_periods:
            findings.append("the ramp plan has no FRP periods to check for shortages")
    findings += [f"not yet measured: {m}" for m in missing]
    real = [f for f in findings if not f.startswith("not yet measured")]
    status = FAIL if real else (INSUFFICIENT if missing else PASS)
    return result("supply_chain", status, value=None if worst_on_time is None else round(worst_on_time, 4),
                  target=t["on_time_min"], unit="%",
                  message=(f"{len(unsourced)} BOM part(s) without an approved source; "
                           + ("lowest on-time delivery " + _pct(worst_on_time) if worst_on_time is not None else
                              "on-time delivery not measured") + "."),
                  findings=findings, evidence=evidence, measures=measures,
                  charts={"suppliers": suppliers or []})


def judge_capacity(sustainable_rate: float | None, target_rate: float, bottleneck: str | None,
                   utilisation: float | None, changes: list[str], t: dict, stand_in: str = "") -> dict:
    """The highest sustainable rate (at the utilisation target) reaches the FRP target rate, and the
    bottleneck's utilisation at the FRP rate is within target."""
    if sustainable_rate is None or utilisation is None:
        return result("capacity", INSUFFICIENT, target=target_rate,
                      message="no routing with work centers to compute capacity from",
                      findings=["capacity cannot be computed: no routing with work centers"])
    findings = []
    if sustainable_rate + 1e-9 < target_rate:
        findings.append(f"the line sustains {sustainable_rate:.1f} units/week at {_pct(t['utilisation_max'])} "
                        f"utilisation; the FRP target is {target_rate:g} (bottleneck {bottleneck})")
    if utilisation > t["utilisation_max"] + 1e-9:
        findings.append(f"bottleneck {bottleneck} would run at {_pct(utilisation)} at the FRP rate, above "
                        f"{_pct(t['utilisation_max'])}")
    findings += [c for c in changes if findings]
    return result("capacity", FAIL if findings else PASS, value=round(sustainable_rate, 2), target=target_rate,
                  message=f"Sustainable {sustainable_rate:.1f} units/week against the FRP target {target_rate:g}; "
                          f"bottleneck {bottleneck} at {_pct(utilisation)} at that rate." + stand_in,
                  findings=findings, evidence=[link("work_center", bottleneck, "bottleneck")] if bottleneck else [],
                  measures=[measure("sustainable rate, units/week", round(sustainable_rate, 2), target_rate,
                                    sustainable_rate + 1e-9 >= target_rate),
                            measure(f"bottleneck {bottleneck} utilisation at FRP rate", round(utilisation, 4),
                                    t["utilisation_max"], utilisation <= t["utilisation_max"] + 1e-9, "%")])


def judge_learning(fit: dict | None, projected_hours: float | None, standard_hours: float, at_unit: int | None,
                   t: dict, why_not: str = "", left_out: int = 0) -> dict:
    """The learning curve fitted on actual hours projects unit hours at FRP within target (a multiple of
    the routing's standard hours); `left_out`: units whose hours lie off the trend, not fitted."""
    limit = round(standard_hours * t["hours_ratio_max"], 3)
    if fit is None or projected_hours is None:
        return result("learning", INSUFFICIENT, target=limit, message=why_not or "no learning curve fitted",
                      findings=[why_not or "not enough completed LRIP units to fit a learning curve"])
    ok = projected_hours <= limit + 1e-9
    findings = [] if ok else [f"projected {projected_hours:.2f} h per unit at unit {at_unit} (the first FRP unit), "
                              f"above the target {limit:.2f} h ({t['hours_ratio_max']:g} × standard "
                              f"{standard_hours:.2f} h)"]
    return result("learning", PASS if ok else FAIL, value=round(projected_hours, 3), target=limit,
                  message=f"{fit['model'].capitalize()} curve, learning rate {fit['learning_rate']:.1%} "
                          f"(n {fit['n']}, R² {fit['r_squared']:.2f}"
                          + (f"; {left_out} unit(s) off the trend left out" if left_out else "")
                          + f"); unit {at_unit} projected at "
                          f"{projected_hours:.2f} h against {limit:.2f} h.",
                  findings=findings,
                  measures=[measure("learning rate (hours left after each doubling)", round(fit["learning_rate"], 4), None, None, "%"),
                            measure(f"projected hours at unit {at_unit}", round(projected_hours, 3), limit, ok, "h")],
                  charts={"learning": fit})


def judge_attestations(attested: dict[str, dict | None], program: str = "") -> dict:
    """One signed attestation, with an attachment, for every topic no record can prove."""
    findings = [f"no signed attestation of {topic.replace('_', ' ')}: {words.lower()}"
                for topic, words in ATTESTATION_TOPICS.items() if not attested.get(topic)]
    evidence = [link("attestation", a["id"], f"{topic}: {a['name']}, {a['attachment']}", program=program)
                for topic, a in attested.items() if a]
    done = len(ATTESTATION_TOPICS) - len(findings)
    return result("attestations", FAIL if findings else PASS, value=done, target=len(ATTESTATION_TOPICS),
                  message=f"{done} of {len(ATTESTATION_TOPICS)} topics attested.", findings=findings,
                  evidence=evidence,
                  measures=[measure(words, "attested" if attested.get(topic) else "missing", "attested",
                                    bool(attested.get(topic))) for topic, words in ATTESTATION_TOPICS.items()])


# ---------------------------------------------------------------- the verdict

def decide(results: list[dict], waived: dict[str, dict]) -> tuple[str, list[dict], list[dict]]:
    """GO when every criterion passes; GO WITH CONDITIONS when the ones that do not are covered by a signed
    waiver (named, with its condition); NO-GO otherwise. Returns (verdict, results, findings), the findings
    with the blocking ones first (failed, then not enough data), then the waived conditions."""
    out, blocking, unknown, conditions = [], [], [], []
    for r in sorted(results, key=lambda r: r["number"]):
        r = dict(r)
        if r["status"] in (FAIL, INSUFFICIENT) and r["id"] in waived:
            w = waived[r["id"]]
            r["status"], r["waiver"] = WAIVED, w
            conditions.append({"criterion": r["id"], "title": r["title"], "kind": "condition",
                               "text": f"waived by {w['name']}: {w['condition']}", "findings": r["findings"]})
        elif r["status"] == FAIL:
            blocking.append({"criterion": r["id"], "title": r["title"], "kind": "blocking",
                             "text": r["message"], "findings": r["findings"]})
        elif r["status"] == INSUFFICIENT:
            unknown.append({"criterion": r["id"], "title": r["title"], "kind": "blocking",
                            "text": r["message"], "findings": r["findings"]})
        out.append(r)
    if blocking or unknown:
        verdict = NO_GO
    elif conditions:
        verdict = GO_WITH_CONDITIONS
    else:
        verdict = GO
    return verdict, out, blocking + unknown + conditions


def _few(findings: list[str], keep: int = 5) -> list[str]:
    return findings if len(findings) <= keep else findings[:keep] + [f"… and {len(findings) - keep} more"]


def diff(previous: list[dict] | None, current: list[dict]) -> list[dict]:
    """What changed since the last assessment, criterion by criterion: status or value."""
    if previous is None:
        return []
    before = {c["id"]: c for c in previous}
    changes = []
    for c in current:
        b = before.get(c["id"])
        if b is None:
            changes.append({"id": c["id"], "title": c["title"], "status_before": None, "status": c["status"],
                            "value_before": None, "value": c["value"]})
        elif b["status"] != c["status"] or b.get("value") != c.get("value") or b.get("findings") != c.get("findings"):
            changes.append({"id": c["id"], "title": c["title"], "status_before": b["status"], "status": c["status"],
                            "value_before": b.get("value"), "value": c.get("value"),
                            "resolved": _few([f for f in b.get("findings", []) if f not in c.get("findings", [])]),
                            "new": _few([f for f in c.get("findings", []) if f not in b.get("findings", [])])})
    return changes

