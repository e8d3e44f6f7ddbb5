"""Access decorators: anonymous users are sent to sign in, the wrong role gets 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from app.auth.models import Role
from app.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])


def check_role(*roles: Role) -> Any:
    """Return None if the current user has one of ``roles``, else the response to send instead."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in roles:
        abort(403)
    return None


def role_required(*roles: Role) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            refused = check_role(*roles)
            if refused is not None:
                return refused
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def anonymous_only(view: F) -> F:
    """Registration and sign-in pages: a signed-in user is sent to their home page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.is_authenticated:
            from flask import redirect

            from app.auth.views import home_url_for

            return redirect(home_url_for(current_user))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
