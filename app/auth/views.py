from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import Session

from app.auth import api_tokens, services
from app.auth.decorators import anonymous_only
from app.auth.forms import (
    ChangePasswordForm,
    CreateApiTokenForm,
    RegisterBuyerForm,
    RegisterSupplierForm,
    RequestResetForm,
    ResendVerificationForm,
    ResetPasswordForm,
    SignInForm,
)
from app.auth.models import Role, User
from app.auth.tokens import (
    LinkError,
    make_reset_token,
    make_verification_token,
    read_reset_token,
    read_verification_token,
    reset_token_matches,
)
from app.db import get_session
from app.exceptions import DomainError
from app.extensions import login_manager
from app.mail import send_mail
from app.timeutil import utcnow

bp = Blueprint("auth", __name__)


def policy() -> services.AccountPolicy:
    return services.AccountPolicy(
        max_failed_sign_ins=current_app.config["MAX_FAILED_SIGN_INS"],
        fast_hashing=bool(current_app.config.get("PASSWORD_HASH_FAST")),
    )


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    ident, _, version = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = get_session().get(User, int(ident))
    # A changed session_version (password reset, deactivation) ends old sessions.
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


def home_url_for(user: User) -> str:
    return {
        Role.ADMIN: url_for("admin.index"),
        Role.BUYER: url_for("buyers.projects"),
        Role.SUPPLIER: url_for("suppliers.index"),
    }[user.role_enum]


def _form_page(template: str, form: Any, **context: Any) -> tuple[str, int]:
    """Render a form page: 400 when the submitted form has errors (as GOV.UK services do)."""
    status = 400 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


def _send_verification(user: User) -> None:
    link = url_for("auth.verify_email", token=make_verification_token(user), _external=True)
    send_mail(user.email, "Confirm your email address for Cloudstore", "verify_email", user=user, link=link)


@bp.route("/register")
@anonymous_only
def register() -> str:
    return render_template("auth/register.html")


def _register(form: Any, create: Any, template: str) -> Any:
    session: Session = get_session()
    if form.validate_on_submit():
        try:
            user = create(session)
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            session.commit()
            _send_verification(user)
            flask_session["pending_email"] = user.email  # shown on the next page, kept out of the URL
            return redirect(url_for("auth.check_email"))
    return _form_page(template, form)


@bp.route("/register/supplier", methods=["GET", "POST"])
@anonymous_only
def register_supplier() -> Any:
    form = RegisterSupplierForm()
    return _register(
        form,
        lambda session: services.register_supplier(
            session,
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            organisation_name=form.organisation_name.data,
            policy=policy(),
        ),
        "auth/register_supplier.html",
    )


@bp.route("/register/buyer", methods=["GET", "POST"])
@anonymous_only
def register_buyer() -> Any:
    form = RegisterBuyerForm()
    return _register(
        form,
        lambda session: services.register_buyer(
            session, name=form.name.data, email=form.email.data, password=form.password.data, policy=policy()
        ),
        "auth/register_buyer.html",
    )


@bp.route("/register/check-email")
def check_email() -> str:
    return render_template("auth/check_email.html", email=flask_session.pop("pending_email", ""))


@bp.route("/verify-email/<token>")
def verify_email(token: str) -> Any:
    session = get_session()
    try:
        data = read_verification_token(token)
    except LinkError as error:
        return render_template("auth/link_problem.html", message=error.message, resend=True), 400
    user = session.get(User, data.get("user"))
    if user is None:
        return render_template("auth/link_problem.html", message="This verification link is not valid.", resend=True), 400
    try:
        changed = services.verify_email(session, user, data.get("email"))
    except DomainError as error:
        return render_template("auth/link_problem.html", message=error.message, resend=True), 400
    session.commit()
    flash("Your email address is confirmed. You can now sign in." if changed else "Your email address was already confirmed.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/verify-email/resend", methods=["GET", "POST"])
def resend_verification() -> Any:
    form = ResendVerificationForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(get_session(), form.email.data)
        if user is not None and not user.is_verified and user.active:
            _send_verification(user)
        # The same answer whether or not the address has an account.
        flask_session["pending_email"] = form.email.data.strip().lower()
        return redirect(url_for("auth.check_email"))
    return _form_page("auth/resend_verification.html", form)


@bp.route("/login", methods=["GET", "POST"])
@anonymous_only
def login() -> Any:
    session = get_session()
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(session, form.email.data, form.password.data, policy())
        except services.SignInError as error:
            session.commit()  # keep the failure count (and any lock) even though sign-in failed
            form.add_error(None, error.message)
        else:
            session.commit()
            login_user(user)
            flash(f"You are signed in as {user.email}.", "success")
            return redirect(_safe_next(request.args.get("next")) or home_url_for(user))
    return _form_page("auth/login.html", form)


def _safe_next(target: str | None) -> str | None:
    # Only local paths: an absolute URL here would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    if request.method == "GET":
        # Signing out changes state, so it needs the CSRF-protected POST; GET shows the button.
        return render_template("auth/logout.html")
    logout_user()
    # Nothing of the signed-out user's session (such as messages not yet shown) passes to whoever comes next.
    flask_session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("pages.start"))


@bp.route("/password/reset", methods=["GET", "POST"])
def request_password_reset() -> Any:
    form = RequestResetForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(get_session(), form.email.data)
        if user is not None and user.active:
            link = url_for("auth.reset_password", token=make_reset_token(user), _external=True)
            send_mail(user.email, "Reset your Cloudstore password", "reset_password", user=user, link=link)
        return render_template("auth/reset_sent.html", email=form.email.data.strip().lower())
    return _form_page("auth/request_reset.html", form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    session = get_session()
    try:
        data = read_reset_token(token)
    except LinkError as error:
        return render_template("auth/link_problem.html", message=error.message, reset=True), 400
    user = session.get(User, data.get("user"))
    if user is None or not user.active or not reset_token_matches(data, user):
        message = "This password reset link has already been used. Ask for a new one if you need it."
        return render_template("auth/link_problem.html", message=message, reset=True), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(session, user, form.password.data, policy())
        session.commit()
        logout_user()
        flash("Your password has been reset. Sign in with your new password.", "success")
        return redirect(url_for("auth.login"))
    return _form_page("auth/reset_password.html", form, user=user)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    session = get_session()
    user: User = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(session, user, form.current_password.data, form.password.data, policy())
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            session.commit()
            login_user(user)  # the session version changed: keep this session signed in
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(session, user, form, CreateApiTokenForm(formdata=None, prefix="token"))


def _account_page(
    session: Session, user: User, form: ChangePasswordForm, token_form: CreateApiTokenForm
) -> tuple[str, int]:
    status = 400 if any(f.errors or f.form_errors for f in (form, token_form)) else 200
    tokens = api_tokens.list_tokens(session, user)
    return render_template("account/index.html", form=form, token_form=token_form, tokens=tokens, user=user), status


@bp.post("/account/tokens")
@login_required
def create_api_token() -> Any:
    """Create an API token and show it this once; it is not stored anywhere it could be shown again."""
    session = get_session()
    user: User = current_user._get_current_object()
    token_form = CreateApiTokenForm(prefix="token")
    if token_form.validate_on_submit():
        try:
            token, plaintext = api_tokens.create_token(session, user, token_form.name.data)
        except DomainError as error:
            token_form.add_error("name", error.message)
        else:
            session.commit()
            response = make_response(render_template("account/token_created.html", token=token, plaintext=plaintext))
            response.headers["Cache-Control"] = "no-store"
            return response
    return _account_page(session, user, ChangePasswordForm(formdata=None), token_form)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int) -> Any:
    session = get_session()
    user: User = current_user._get_current_object()
    token = api_tokens.get_own_token(session, user, token_id)
    if token is None:
        abort(404)
    if api_tokens.revoke_token(session, user, token, now=utcnow()):
        session.commit()
        flash(f"The token ‘{token.name}’ is revoked: it no longer works.", "success")
    else:
        flash(f"The token ‘{token.name}’ was already revoked.", "success")
    return redirect(url_for("auth.account", _anchor="api-tokens"))
