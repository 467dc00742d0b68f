"""``TwoFactorMixin``: what it adds to the user model, and what it leaves alone."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.utils import translation

from django_twofactor.models import TwoFactorMixin


def test_the_user_model_keeps_abstractusers_names_in_the_readmes_order():
    """``class User(TwoFactorMixin, AbstractUser)`` (the README's order) is named as
    Django names its users, translations included."""
    user = get_user_model()
    assert user.__bases__[:2] == (TwoFactorMixin, AbstractUser)
    assert str(user._meta.verbose_name) == "user"
    assert str(user._meta.verbose_name_plural) == "users"
    with translation.override("de"):
        assert str(user._meta.verbose_name_plural) == "Benutzer"
    with translation.override("fr"):
        assert str(user._meta.verbose_name) == "utilisateur"


def test_the_mixin_leaves_no_meta_to_inherit():
    assert "Meta" not in vars(TwoFactorMixin)
    assert TwoFactorMixin._meta.abstract
