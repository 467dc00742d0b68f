"""The admin's login with the second factor: ``protect(admin.site)``.

A user with 2FA on who passes the password form is not logged in: the
password step is kept in the session (``pending``) and a code page answers.
A code there, or a security key's answer (``key_step``), goes through
``services.verify``, the very check the API uses, so the failure counter,
the lock and replay protection are shared with it.
Only then does ``django.contrib.auth.login`` run, and the session is marked
as verified (``sessions``); the site lets no 2FA user in without that mark.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.admin import site as default_site
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import APIException

from .. import policy, services, sessions
from ..codes import SubmittedCode, classify
from ..conf import twofactor_settings
from ..exceptions import InvalidCode, LockedOut
from ..methods.totp import method as totp
from . import key_step, pending

CODE_FIELD = "code"
CREDENTIAL_FIELD = key_step.FIELD
CODE_TEMPLATE = "django_twofactor/admin/code.html"
_PROTECTED = "_django_twofactor_protected"
SETUP_FIRST = _(
    "This account must use two-factor authentication: set it up first "
    "(in the app or at the API's 2fa/generate/ and 2fa/turn-on/), then log in here."
)


class CodeForm(forms.Form):
    """A TOTP code or a recovery code, parsed as the API's serializer parses it;
    or a security key's answer, which the page's script puts in ``credential``.

    With an answer the code field is not read: the script submits the form
    whatever the field holds. Without one the code is required, as it always
    was (the field keeps the browser's ``required`` too: the script's
    ``form.submit()`` skips that check).
    """

    code = forms.CharField(
        label=_("Code"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
                "required": True,
            }
        ),
    )
    credential = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def clean_code(self) -> SubmittedCode | None:
        if self.data.get(CREDENTIAL_FIELD):
            return None
        value = self.cleaned_data[CODE_FIELD]
        if not value:
            required = self.fields[CODE_FIELD].error_messages["required"]
            raise forms.ValidationError(required, code="required")
        digits = twofactor_settings.DIGITS
        code = classify(value, digits, allow_recovery=True)
        if code is None:
            message = gettext("Enter the %(digits)d-digit code from your app or a recovery code.")
            raise forms.ValidationError(message % {"digits": digits}, code="malformed_code")
        return code

    def clean_credential(self) -> Any:
        """py_webauthn's parsed credential, or ``None`` when a code was typed."""
        raw = self.cleaned_data[CREDENTIAL_FIELD]
        return key_step.parse(raw) if raw else None

    def submitted(self, request: HttpRequest) -> SubmittedCode:
        credential = self.cleaned_data[CREDENTIAL_FIELD]
        if credential is not None:
            return key_step.submitted(credential, request)
        code: SubmittedCode = self.cleaned_data[CODE_FIELD]
        return code


def protect(site: AdminSite) -> AdminSite:
    """Ask for the second factor at ``site``'s login; let no session in that skipped it.

    Call it before ``site.urls`` is read, in ``urls.py`` above the
    ``urlpatterns`` or in an ``admin.py``. Calling it again changes nothing.
    """
    if getattr(site, _PROTECTED, False):
        return site
    password_only = site.has_permission

    def has_permission(request: HttpRequest) -> bool:
        return password_only(request) and second_factor_passed(request)

    def login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return admin_login(site, request, extra_context)

    setattr(login, _PROTECTED, True)  # what the system check W005 looks for
    site.has_permission = has_permission  # type: ignore[method-assign]
    site.login = login  # type: ignore[method-assign]
    setattr(site, _PROTECTED, True)
    return site


def is_protected_login(view: Any) -> bool:
    """Whether ``view`` (what ``admin:login`` resolves to) is a protected site's login."""
    return bool(getattr(view, _PROTECTED, False))


def second_factor_passed(request: HttpRequest) -> bool:
    """2FA off (and not required by ``REQUIRED``), or this session went through
    the code step since the last account event."""
    user = request.user
    if not getattr(user, "two_factor_enabled", False):
        return not policy.setup_required(user)
    return sessions.is_verified(request, user)


def admin_login(
    site: AdminSite, request: HttpRequest, extra_context: dict[str, Any] | None = None
) -> HttpResponse:
    """``AdminSite.login`` with the code step: the same context, form and template."""
    index = reverse("admin:index", current_app=site.name)
    if request.method == "GET":
        if site.has_permission(request):
            return HttpResponseRedirect(index)
        if request.user.is_authenticated and not second_factor_passed(request):
            again = gettext(
                "Your account uses two-factor authentication: log in again with a code."
            )
            setup_first = policy.setup_required(request.user)
            messages.warning(
                request, str(SETUP_FIRST) if setup_first else again, fail_silently=True
            )
    from django.contrib.admin.forms import AdminAuthenticationForm  # imports the user model

    context: dict[str, Any] = {
        **site.each_context(request),
        "title": gettext("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = index
    context.update(extra_context or {})
    request.current_app = site.name
    view = TwoFactorAdminLoginView.as_view(
        extra_context=context,
        authentication_form=site.login_form or AdminAuthenticationForm,
        template_name=site.login_template or "admin/login.html",
        admin_site=site,
    )
    return cast(HttpResponse, view(request))  # a redirect or a TemplateResponse


class TwoFactorAdminLoginView(auth_views.LoginView):
    """Django's ``LoginView`` whose password step stops short for a user with 2FA on."""

    admin_site: AdminSite = default_site

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if CODE_FIELD in request.POST or CREDENTIAL_FIELD in request.POST:
            return self.code_step(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if policy.setup_required(user):  # REQUIRED: no admin before enrolment
            form.add_error(None, str(SETUP_FIRST))
            return self.form_invalid(form)
        if not getattr(user, "two_factor_enabled", False):
            return super().form_valid(form)
        pending.begin(self.request, user)
        return self.code_page(CodeForm(), user)

    def code_step(self, request: HttpRequest) -> HttpResponse:
        found = pending.load(request)
        if found is None:
            pending.clear(request)
            message = gettext("Your sign-in expired or is no longer valid. Log in again.")
            messages.error(request, message, fail_silently=True)
            return HttpResponseRedirect(self.login_url())
        user, backend = found
        form = CodeForm(request.POST)
        if not form.is_valid():  # empty or ill-formed: not an attempt, nothing counted
            return self.code_page(form, user)
        try:
            services.verify(user, form.submitted(request), request)
        except InvalidCode as exc:  # on the field that carried it: code or credential
            for field, texts in _fields(exc.detail).items():
                form.add_error(field if field in form.fields else None, texts)
            locked_until = user.two_factor_locked_until
            if locked_until is None or locked_until <= timezone.now():
                return self.code_page(form, user)
            return self.refused(form, user, LockedOut(locked_until))  # this failure set the lock
        except APIException as exc:  # locked, blocked, 2FA off meanwhile, secret unreadable
            return self.refused(form, user, exc)
        pending.clear(request)
        auth_login(request, user, backend=backend)
        sessions.mark_verified(request, user)
        index = reverse("admin:index", current_app=self.admin_site.name)
        return HttpResponseRedirect(self.get_redirect_url() or index)

    def refused(self, form: CodeForm, user: Any, exc: APIException) -> TemplateResponse:
        form.add_error(None, _texts(exc.detail))
        response = self.code_page(form, user, status=exc.status_code)
        wait = getattr(exc, "wait", None)
        if wait is not None:
            response["Retry-After"] = str(wait)
        return response

    def code_page(self, form: CodeForm, user: Any, status: int = 200) -> TemplateResponse:
        """The code field; and, for a user with a security key, a fresh challenge for it."""
        form.data = {}  # errors stay; the fields are empty again (a code is no use twice)
        context = self.get_context_data(
            form=form,
            restart_url=self.login_url(),
            webauthn_options=key_step.options(user, self.request),
            totp_on=totp.is_on(user),
        )
        context["title"] = gettext("Two-factor authentication")
        return TemplateResponse(self.request, CODE_TEMPLATE, context, status=status)

    def login_url(self) -> str:
        """The password form again, keeping a safe ``next``."""
        url = reverse("admin:login", current_app=self.admin_site.name)
        target = self.get_redirect_url()
        return f"{url}?{urlencode({REDIRECT_FIELD_NAME: target})}" if target else url


def _fields(detail: Any) -> dict[str, list[str]]:
    """The texts of a DRF error detail by field (``""`` for a detail that names none)."""
    if isinstance(detail, dict):
        return {str(field): _texts(value) for field, value in detail.items()}
    return {"": _texts(detail)}


def _texts(detail: Any) -> list[str]:
    """The human texts of a DRF error detail (a string, list or dict of them)."""
    if isinstance(detail, dict):
        return [text for value in detail.values() for text in _texts(value)]
    if isinstance(detail, list):
        return [text for value in detail for text in _texts(value)]
    return [str(detail)]
