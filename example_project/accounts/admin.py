from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from django_twofactor.admin import TwoFactorUserAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(TwoFactorUserAdminMixin, BaseUserAdmin):
    pass
