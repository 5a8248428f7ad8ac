"""Issue 6 through PAM (pam_mfa.so under the libpamtest driver, against the real mfad): the
picker shows "Email to m•••@example.com" / "Text message to ••• 0187"; choosing one sends the
code (read here from a loopback SMTP server / SMS gateway) and the next prompt takes it, `r`
asks for a new one; a failed send says "Could not send the code: ..." and offers the picker
again."""

import pytest

from delivery_helpers import POLICY, SmsGateway, SmtpSink, delivery_config
from engine_helpers import code_at, enroll_totp
from pam_helpers import PamHarness, reset_user, test_user  # noqa: F401 (fixture)

DOTS = "\u2022\u2022\u2022"


@pytest.fixture
def outside():
    smtp = SmtpSink().start()
    sms = SmsGateway().start()
    yield smtp, sms
    smtp.stop()
    sms.stop()


def start(mfad_factory, smtp, sms):
    inst = mfad_factory(config_extra=delivery_config(smtp.port, sms.port), start=False)
    (inst.dir / "policy.yaml").write_text(POLICY)
    return inst.start()


def enrol(inst, user, body, read_code):
    base = f"/v1/apps/system/users/{user}"
    r = inst.unix_request("POST", f"{base}/factors", body)
    assert r.status == 201, r
    r = inst.unix_request("POST", f"{base}/factors/{r.json()['factor_id']}/activate",
                          {"code": read_code()})
    assert r.status == 200, r


def test_pam_email_code_with_resend(mfad_factory, outside, test_user):  # noqa: F811
    smtp, sms = outside
    inst = start(mfad_factory, smtp, sms)
    reset_user(inst, test_user)
    enrol(inst, test_user, {"type": "email", "address": "mfatest@example.com"},
          lambda: smtp.last_code(1))
    prompt = f"A code was sent by email to m{DOTS}@example.com.\nCode (or r to send a new one): "
    seen = []

    def respond(text):
        seen.append(text)
        if len(seen) == 1:
            assert prompt in text, text
            return "r"  # ask for a new one
        assert prompt in text, text
        return smtp.last_code(3)

    res = PamHarness(inst.socket).run_interactive(test_user, respond)
    assert res.rc == "PAM_SUCCESS", res
    assert len(smtp.messages) == 3 and smtp.messages[2]["to"] == ["mfatest@example.com"]


def test_pam_picker_sms_failure_then_totp(mfad_factory, outside, test_user):  # noqa: F811
    smtp, sms = outside
    inst = start(mfad_factory, smtp, sms)
    reset_user(inst, test_user)
    _, secret, _ = enroll_totp(inst, test_user, label="phone")
    enrol(inst, test_user, {"type": "sms", "phone": "+12015550187"},
          sms.last_code)
    sms.status = 500
    seen = []

    def respond(text):
        seen.append(text)
        assert "Choose a factor:" in text, text
        assert f"Text message to {DOTS} 0187" in text, text
        assert "Authenticator app 'phone'" in text, text
        lines = [ln for ln in text.splitlines() if ") " in ln]
        sms_n = next(ln.split(")")[0].strip() for ln in lines if "Text message" in ln)
        totp_n = next(ln.split(")")[0].strip() for ln in lines if "Authenticator" in ln)
        if len(seen) == 1:
            return sms_n
        assert "Could not send the code: the SMS gateway answered HTTP 500" in text, text
        if len(seen) == 2:
            return totp_n
        raise AssertionError(text)

    def respond_code(text):
        if "Choose a factor:" in text:
            return respond(text)
        assert "Verification code" in text, text
        return code_at(secret, +1)

    res = PamHarness(inst.socket).run_interactive(test_user, respond_code)
    assert res.rc == "PAM_SUCCESS", res
    assert len(seen) == 2, seen

    # Gateway back: the texted code completes a login.
    sms.status = 200
    count = len(sms.requests)

    def by_sms(text):
        if "Choose a factor:" in text:
            lines = [ln for ln in text.splitlines() if ") " in ln]
            return next(ln.split(")")[0].strip() for ln in lines if "Text message" in ln)
        assert f"A code was sent by text message to {DOTS} 0187." in text, text
        return sms.last_code()

    res = PamHarness(inst.socket).run_interactive(test_user, by_sms)
    assert res.rc == "PAM_SUCCESS", res
    assert len(sms.requests) == count + 1
