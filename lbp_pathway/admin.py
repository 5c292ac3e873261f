"""Users and roles in Django's admin, hardened (issue 14):

- nobody grants themselves anything: on one's own account the roles (groups), permissions and the
  staff and active flags are read-only;
- superuser status is read-only for everyone: superusers are made only with `manage.py
  createsuperuser`; an administrator who is not a superuser cannot change or delete a superuser
  (so cannot take one over by setting its password);
- per-user permissions are read-only for non-superusers (roles are the only way to grant access);
- the role groups themselves are read-only (their permissions are set by migrations);
- every change of roles or flags and every password set here is audited (lbp_pathway.audit) and
  emailed to the other administrators (services.record_account_change), in the admin's transaction;
- django-otp's device admins are taken off the site: they would show TOTP keys. Authenticators are
  managed on /administration/security/ (reset only).

Read-only fields are left out of the admin's form, so a hand-made POST that sets them is ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from lbp_pathway import audit, services

if TYPE_CHECKING:
    _UserAdminBase = UserAdmin[User]
    _GroupAdminBase = GroupAdmin
else:
    _UserAdminBase = UserAdmin
    _GroupAdminBase = GroupAdmin

ACCESS_BEFORE = "_lbp_account_access_before"
# Fields no one edits on their own account.
OWN_ACCOUNT_READ_ONLY = ("is_staff", "is_active", "groups", "user_permissions")


class PathwayUserAdmin(_UserAdminBase):
    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        fields = [*super().get_readonly_fields(request, obj), "is_superuser", "last_login"]
        if not request.user.is_superuser:
            fields.append("user_permissions")
        if obj is not None and obj.pk == request.user.pk:
            fields.extend(OWN_ACCOUNT_READ_ONLY)
        return list(dict.fromkeys(fields))

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and (
            obj.pk == request.user.pk or (obj.is_superuser and not request.user.is_superuser)
        ):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Bulk deletion would skip the per-account checks above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(
        self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool
    ) -> None:
        setattr(request, ACCESS_BEFORE, services.account_access(obj))
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: ModelForm[User], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(request, ACCESS_BEFORE, None)
        if before is not None:
            services.record_account_change(form.instance, before, actor=audit.actor(request))

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if (
            request.method == "POST"
            and isinstance(response, HttpResponseRedirect)
            and response.url != request.get_full_path()
        ):
            user = User.objects.get(pk=id)
            services.record_password_set(user, actor=audit.actor(request))
        return response


class ReadOnlyGroupAdmin(_GroupAdminBase):
    """The five roles are made by migrations; their permissions are not edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        return False


for model in (User, Group, TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
admin.site.register(User, PathwayUserAdmin)
admin.site.register(Group, ReadOnlyGroupAdmin)
