"""The sign form is offered only to someone whose signature would count (lrip.web.signing, by the rules
sign_decision applies)."""
from lrip.auth.decisions import Decision, Given, check_signer
from lrip.web.signing import why_not_sign

MRB = Decision.MRB_DISPOSITION


def test_a_role_that_cannot_sign_is_told_why():
    reasons = why_not_sign(MRB, "lrip", username="olga", roles=["operator"], given=[], record="NCR-1's use as is")
    assert reasons == list(check_signer(MRB, "lrip", username="olga", role="operator", given=[],
                                        record="NCR-1's use as is").reasons)
    assert reasons and "olga" in reasons[0]


def test_who_already_signed_is_not_offered_the_form_again():
    given = [Given("quinn", "quality_engineer")]
    assert why_not_sign(MRB, "lrip", username="quinn", roles=["quality_engineer"], given=given,
                        record="NCR-1's use as is") == ["quinn already signed NCR-1's use as is as quality engineer"]


def test_a_signature_still_needed_gets_the_form():
    given = [Given("quinn", "quality_engineer")]
    assert why_not_sign(MRB, "lrip", username="eli", roles=["operator", "manufacturing_engineer"],
                        given=given) == []
