"""The signed-decisions table, pure: which roles each decision needs by phase, which must be independent
of the author, what is still missing in words, and who may sign next."""
import pytest

from lrip.auth import decisions
from lrip.auth.decisions import Decision, Given, check_signer, choose_role, required, standing
from lrip.auth.permissions import ROLES
from lrip.program.rules import DEFAULT_POLICIES

QUALITY = "a quality signature (a quality engineer or an MRB member)"
ENGINEERING = "an engineering signature (a manufacturing engineer)"
PROGRAM = "a program signature (a program manager)"


def given(*roles: str) -> list[Given]:
    return [Given(f"user{i}", r) for i, r in enumerate(roles)]


@pytest.mark.parametrize("phase, signed, missing", [
    ("prototype", [], [ENGINEERING]),
    ("prototype", ["manufacturing_engineer"], []),
    ("pilot", ["quality_engineer"], [ENGINEERING]),
    ("pilot", ["mrb_member", "manufacturing_engineer"], []),  # an MRB member signs for quality
    ("lrip", [], [QUALITY, ENGINEERING, PROGRAM]),
    ("lrip", ["quality_engineer", "manufacturing_engineer"], [PROGRAM]),
    ("lrip", ["program_manager", "quality_engineer", "manufacturing_engineer"], []),
    # two quality signatures are still one quality signature
    ("lrip", ["quality_engineer", "mrb_member", "program_manager"], [ENGINEERING]),
    ("frp", ["operator", "inspector"], [QUALITY, ENGINEERING]),
])
def test_the_phase_decides_which_signatures_a_use_as_is_needs(phase, signed, missing):
    assert list(standing(Decision.MRB_DISPOSITION, phase, given(*signed)).reasons) == missing


def test_every_decision_has_a_row_for_every_phase_and_names_only_signature_roles():
    for decision, rule in decisions.TABLE.items():
        for phase in (None, *decisions.PHASES):
            roles = required(decision, phase)
            assert roles and set(roles) <= set(decisions.SIGNATURE_ROLES), (decision, phase)
        assert rule.independent <= set(decisions.SIGNATURE_ROLES)
        assert rule.authored.endswith("it")
    assert {r for signers in decisions.SIGNERS.values() for r in signers} <= set(ROLES)


@pytest.mark.parametrize("decision, phase, roles", [
    (Decision.READINESS_DECISION, None, ("program", "quality")),
    (Decision.TARGET_CHANGE, "lrip", ("program", "quality")),
    (Decision.POLICY_CHANGE, "pilot", ("program", "quality")),
    (Decision.QUALITY_WAIVER, "lrip", ("program", "quality")),
    (Decision.WAIVER, "lrip", ("program",)),
    (Decision.FAI_APPROVAL, "lrip", ("quality",)),
    (Decision.LRIP_QUANTITY, "pilot", ("program",)),
    (Decision.PHASE_CHANGE, "pilot", ("program",)),
    (Decision.PHASE_CHANGE, "lrip", ("program", "quality")),
    (Decision.CHANGE_APPROVAL, "lrip", ("engineering", "quality", "program")),
    (Decision.CAPA_SAMPLE, None, ("quality",)),
])
def test_the_table(decision, phase, roles):
    assert required(decision, phase) == roles


def test_the_default_policies_take_their_signatures_from_the_table():
    for phase, policy in DEFAULT_POLICIES.items():
        assert policy.change_signatures == required(Decision.CHANGE_APPROVAL, phase)
        assert policy.disposition_signatures == required(Decision.MRB_DISPOSITION, phase)


def test_a_policy_may_ask_for_more_never_fewer():
    assert required(Decision.MRB_DISPOSITION, "frp", also=("customer", "quality")) == (
        "quality", "engineering", "customer")
    assert required(Decision.MRB_DISPOSITION, "lrip", also=("engineering",)) == ("quality", "engineering", "program")


def test_the_customer_signs_through_its_representative_and_one_person_counts_once():
    also = ("customer",)
    one = standing(Decision.MRB_DISPOSITION, "lrip", given("quality_engineer", "manufacturing_engineer",
                                                          "program_manager"), also=also)
    assert one.reasons == ("a customer signature (the customer's representative)",)
    # a program manager gives the program's signature, not the customer's
    pm = [*given("quality_engineer", "manufacturing_engineer"), Given("pat", "program_manager"),
          Given("kim", "program_manager")]
    assert standing(Decision.MRB_DISPOSITION, "lrip", pm, also=also).missing == ("customer",)
    # the same person signing twice is still one signature
    twice = [*given("quality_engineer", "program_manager"), Given("amy", "manufacturing_engineer"),
             Given("amy", "manufacturing_engineer")]
    assert standing(Decision.MRB_DISPOSITION, "lrip", twice).complete
    assert standing(Decision.MRB_DISPOSITION, "lrip", [Given("amy", "quality_engineer"),
                                                       Given("amy", "manufacturing_engineer"),
                                                       *given("program_manager")]).missing == ("engineering",)


def test_the_author_never_counts_as_an_independent_approval():
    """CR-0004 raised by bokafor, a manufacturing engineer: his signature is no engineering approval."""
    s = standing(Decision.CHANGE_APPROVAL, "pilot", [Given("bokafor", "manufacturing_engineer"),
                                                     Given("rchen", "quality_engineer")], author="bokafor")
    assert s.missing == ("engineering",)
    assert s.reasons == ("an engineering signature (a manufacturing engineer, not bokafor, who raised it)",)
    # before the author has signed, nobody is set aside and the reasons name no one
    assert standing(Decision.CHANGE_APPROVAL, "pilot", [], author="bokafor").reasons == (ENGINEERING, QUALITY)
    assert s.set_aside == ("bokafor's signature does not count as the engineering approval: bokafor raised it, "
                           "and a change request's engineering approval must come from someone else",)
    assert standing(Decision.CHANGE_APPROVAL, "pilot", [Given("eli", "manufacturing_engineer"),
                                                        Given("rchen", "quality_engineer")],
                    author="bokafor").complete


def test_the_author_still_counts_where_the_role_need_not_be_independent():
    """The program manager who proposes a policy change signs it as the program; quality must be someone else.
    A target change is proposed by either and signed by both: two people, whoever proposed it."""
    pm = [Given("ggarcia", "program_manager")]
    s = standing(Decision.POLICY_CHANGE, None, pm, author="ggarcia")
    assert s.counted == {"program": "ggarcia"} and s.missing == ("quality",)
    both = standing(Decision.POLICY_CHANGE, None, [*pm, Given("ggarcia", "quality_engineer")], author="ggarcia")
    assert both.missing == ("quality",)  # one person, one signature, and not the independent one
    assert standing(Decision.POLICY_CHANGE, None, [*pm, Given("rchen", "quality_engineer")],
                    author="ggarcia").complete
    qe = [Given("rchen", "quality_engineer")]
    assert standing(Decision.TARGET_CHANGE, None, qe, author="rchen").missing == ("program",)
    assert standing(Decision.TARGET_CHANGE, None, [*qe, *pm], author="rchen").complete
    assert standing(Decision.TARGET_CHANGE, None, [*qe, Given("rchen", "program_manager")],
                    author="rchen").missing == ("program",)


def test_the_fai_is_approved_by_quality_not_by_the_inspector_who_completed_it():
    assert standing(Decision.FAI_APPROVAL, "lrip", [Given("olga", "operator"), Given("lmartin", "supply_chain")],
                    author="sholm").missing == ("quality",)
    assert standing(Decision.FAI_APPROVAL, "lrip", [Given("hschmidt", "quality_engineer")],
                    author="hschmidt").missing == ("quality",)
    assert standing(Decision.FAI_APPROVAL, "lrip", [Given("hschmidt", "quality_engineer")], author="sholm").complete


def test_the_author_counts_for_no_independent_role_however_the_signatures_are_placed():
    """The MRB's engineering and program signatures must be independent of the proposer: a proposer who
    holds several roles gives neither, wherever the matching would put them."""
    signed = [Given("kim", "manufacturing_engineer"), Given("pat", "program_manager"),
              Given("rchen", "quality_engineer"), Given("cora", "customer_rep")]
    assert standing(Decision.MRB_DISPOSITION, "lrip", signed, author="kim", also=("customer",)).missing == (
        "engineering",)
    assert standing(Decision.MRB_DISPOSITION, "lrip", signed, author="rchen").complete  # quality may propose
    assert standing(Decision.MRB_DISPOSITION, "lrip", signed, author="olga", also=("customer",)).complete


def test_refusals_name_the_roles_still_missing():
    v = check_signer(Decision.READINESS_DECISION, None, username="olga", role="operator",
                     given=[Given("ggarcia", "program_manager")], record="assessment 3")
    assert v.reasons == (f"assessment 3 is not signed by an operator (olga); it still needs {QUALITY}",)
    v = check_signer(Decision.CHANGE_APPROVAL, "lrip", username="bokafor", role="manufacturing_engineer", given=[],
                     author="bokafor", record="CR-0004")
    assert v.reasons == ("bokafor raised CR-0004 and may not give it its engineering approval: that must come from "
                         f"someone else; it still needs {ENGINEERING}; {QUALITY}; {PROGRAM}",)
    assert check_signer(Decision.FAI_APPROVAL, None, username="rchen", role="quality_engineer",
                        given=[Given("hschmidt", "quality_engineer")], record="FAI-0003").reasons == (
        "FAI-0003 already has every signature it needs",)
    assert check_signer(Decision.READINESS_DECISION, None, username="rchen", role="quality_engineer",
                        given=[Given("ggarcia", "program_manager")]).allowed


def test_a_second_signature_in_a_role_already_given_is_refused():
    v = check_signer(Decision.MRB_DISPOSITION, "lrip", username="kim", role="quality_engineer",
                     given=[Given("rchen", "quality_engineer")])
    assert v.reasons == ("a use-as-is or repair disposition already has its quality signature (from rchen); "
                         f"it still needs {ENGINEERING}; {PROGRAM}",)


def test_the_role_is_chosen_when_only_one_of_a_persons_roles_counts():
    assert choose_role(Decision.MRB_DISPOSITION, "lrip", username="amy", roles=("inspector", "mrb_member"),
                       given=[]) == "mrb_member"
    assert choose_role(Decision.MRB_DISPOSITION, "lrip", username="amy",
                       roles=("quality_engineer", "manufacturing_engineer"), given=[]) is None
    assert choose_role(Decision.MRB_DISPOSITION, "lrip", username="amy",
                       roles=("quality_engineer", "manufacturing_engineer"),
                       given=[Given("rchen", "quality_engineer")]) == "manufacturing_engineer"
