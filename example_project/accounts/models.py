from django.contrib.auth.models import AbstractUser

from django_twofactor.models import TwoFactorMixin


class User(TwoFactorMixin, AbstractUser):
    """The example's user: Django's fields plus the two-factor state."""
