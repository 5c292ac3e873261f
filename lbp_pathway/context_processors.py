from django.http import HttpRequest

from lbp_pathway.access import NAVIGATION, roles_of


def navigation(request: HttpRequest) -> dict:
    roles = roles_of(request.user) if hasattr(request, "user") else []
    items: list[tuple[str, str]] = []
    for role in roles:
        for item in NAVIGATION[role]:
            if item not in items:
                items.append(item)
    return {"nav_items": items, "user_roles": [role.value for role in roles]}
