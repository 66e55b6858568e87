"""Streamlit glue shared by app.py and the pages: cached resources, the signed-in user, errors, style."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from deflectkit.core.errors import DeflectError
from feedback.models import User
from feedback.users import can
from ui import auth, widgets
from ui.services import Resources, build_resources, make_settings

log = logging.getLogger(__name__)

SESSION_KEY = "dk_session"
SSO_REFUSED_KEY = "dk_sso_refused"
SIGNED_OUT_KEY = "dk_signed_out"

CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 4rem; }
h1 { font-size: 2rem !important; padding: 0 !important; }
.st-key-dk-cookie { display: none; }
.dk-draft { font-size: 1.04rem; line-height: 1.7; }
.dk-para + .dk-para { margin-top: .9rem; }
.dk-cite { position: relative; display: inline-block; min-width: 1.35em; padding: 0 .38em; margin: 0 .1em;
  border-radius: .6em; background: #e0ecff; color: #1d4ed8; font-size: .78em; font-weight: 600;
  text-align: center; vertical-align: .12em; cursor: pointer; border: 1px solid #bfd4fb; line-height: 1.5; }
.dk-cite:focus, .dk-cite:hover { outline: 2px solid #2563eb; outline-offset: 1px; }
.dk-cite-missing { background: #fde2e2; color: #b91c1c; border-color: #f8b4b4; cursor: help; }
.dk-card { display: none; position: absolute; z-index: 1000; right: -.5rem; top: 1.7em; width: min(34rem, 80vw);
  max-height: 24rem; overflow: auto; padding: .7rem .85rem; background: #fff; color: #1f2937; text-align: left;
  font-size: .9rem; font-weight: 400; line-height: 1.5; border: 1px solid #cbd5e1; border-radius: .5rem;
  box-shadow: 0 8px 24px rgba(15, 23, 42, .18); cursor: auto; }
.dk-cite:focus .dk-card, .dk-cite:focus-within .dk-card { display: block; }
.dk-card > span { display: block; }
.dk-card-title { font-weight: 600; }
.dk-card-path, .dk-card-flag { color: #64748b; font-size: .85em; margin-bottom: .35rem; }
.dk-card-flag { color: #b45309; }
.dk-link { display: inline-block; margin-top: .45rem; font-weight: 600; }
.dk-unsupported { background: #fff1c2; text-decoration: line-through; text-decoration-color: #c2410c;
  text-decoration-thickness: 1.5px; cursor: help; border-bottom: 2px dotted #c2410c; }
.dk-quote { border-left: 3px solid #93c5fd; padding: .35rem .75rem; background: #f5f8ff; color: #1f2937;
  font-size: .93rem; margin: .3rem 0; }
.dk-table { border-collapse: collapse; margin: .3rem 0; font-size: .9em; }
.dk-table th, .dk-table td { border: 1px solid #cbd5e1; padding: .2rem .45rem; text-align: left;
  vertical-align: top; }
.dk-table th { background: #eef2ff; }
</style>
"""


@st.cache_resource(show_spinner="Opening the help center index…")
def _resources(key: str, _settings) -> Resources:
    # One per settings per process: models, Chroma clients and the feedback store are shared by sessions.
    return build_resources(_settings, warm=True)


def settings():
    return make_settings()


def resources() -> Resources:
    cfg = settings()
    return _resources(cfg.model_dump_json(), cfg)


def peer() -> str:
    """The address the websocket came from. Streamlit reports loopback as None, so None here means
    127.0.0.1 (with SSO on, `deflect ui` stops uvicorn from rewriting it from X-Forwarded-For)."""
    return st.context.ip_address or "127.0.0.1"


def session() -> auth.Session | None:
    return st.session_state.get(SESSION_KEY)


def current_user() -> User | None:
    """The signed-in user, re-read from the store on every script run (every click); a session whose
    user was disabled, deleted or signed out elsewhere, or that expired, ends here."""
    res = resources()
    user = auth.current_user(session(), res.store, st.context.headers, peer(), res.settings)
    if user is None and session() is not None:
        sign_out(notice="Your session ended (it expired, or your account changed). Sign in again.")
        st.rerun()
    return user


def resume_session() -> None:
    """Start of a script run without a session: resume one from the cookie, or from the SSO header."""
    if session() is not None or st.session_state.get(SIGNED_OUT_KEY):
        return
    res = resources()
    resumed = auth.resume(res.store, st.context.cookies.get(widgets.COOKIE))
    if resumed is None and res.settings.trusted_user_header and SSO_REFUSED_KEY not in st.session_state:
        resumed = auth.sso_sign_in(st.context.headers, peer(), res.settings, res.store)
        if resumed is None and auth.header(st.context.headers, res.settings.trusted_user_header):
            st.session_state[SSO_REFUSED_KEY] = True  # audited once per tab, not on every rerun
    if resumed is not None:
        st.session_state[SESSION_KEY] = resumed


def start_session(new: auth.Session) -> None:
    st.session_state.pop(SIGNED_OUT_KEY, None)
    st.session_state[SESSION_KEY] = new


def keep_cookie() -> None:
    """Render the cookie writer for a local session (every run: it is hidden, and idempotent)."""
    s = session()
    if s is not None and s.token:
        widgets.set_session_cookie(s.token, settings().ui_session_hours)
    elif st.session_state.get(SIGNED_OUT_KEY):
        widgets.clear_session_cookie()


def sign_out(notice: str | None = None) -> None:
    """End the session: revoke its token, forget every piece of this tab's state (drafts, forms, reports)
    and the ticket in the URL, and drop the cookie on the next render."""
    auth.sign_out(resources().store, session())
    st.session_state.clear()
    st.query_params.clear()
    st.session_state[SIGNED_OUT_KEY] = notice or True


def require(action: str) -> User:
    """The signed-in user if allowed to do `action`; otherwise a message and stop (pages check this too)."""
    user = current_user()
    if not can(user, action):
        st.error("You do not have access to this page. Ask an admin for the right role.")
        st.stop()
    return user


@contextmanager
def shown_errors(what: str) -> Iterator[None]:
    """Show our errors as they are (they say what to do) and anything else with a hint; never a blank page."""
    try:
        yield
    except DeflectError as e:
        st.error(str(e), icon=":material/error:")
    except Exception as e:  # a page must survive a bug in a library; the log has the traceback
        log.exception("%s failed", what)
        st.error(
            f"{what} failed unexpectedly ({type(e).__name__}: {e}). Try again; if it keeps failing, "
            "send the server log to your deflectkit admin.",
            icon=":material/error:",
        )


def header(title: str, caption: str | None = None) -> None:
    """Page title with the signed-in user's menu (role, sign out) on the same row."""
    user = current_user()
    with st.container(horizontal=True, vertical_alignment="center"):
        st.title(title, anchor=False)
        if user is not None:
            with st.popover(f"{user.name} · {user.role}", icon=":material/account_circle:", type="tertiary"):
                st.caption("Signed in through SSO" if user.source == "sso" else "Local account")
                if user.source != "sso" and st.button("Sign out", icon=":material/logout:"):
                    sign_out()
                    st.rerun()
    if caption:
        st.caption(caption)


def style() -> None:
    st.html(CSS)
