"""Forms shared by the pages: the sign-in form with failure throttling (SEC-AUTH-2)."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from shuyu.core.errors import Unauthenticated
from shuyu.orgs import login


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refused while the username is locked; failures and successes counted."""

    locked = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        try:
            login.check_allowed(username)
        except Unauthenticated as e:
            self.locked = True
            raise ValidationError(f"{e.requirement}：{e.zh} / {e.en}", code="locked") from None
        try:
            cleaned = super().clean()
        except ValidationError:
            login.record_failure(username, channel="web")
            raise
        login.record_success(username)
        return cleaned
