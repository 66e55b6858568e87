"""Streamlit glue shared by app.py and the pages: cached resources, the signed-in user, errors, style."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from deflectkit.core.errors import DeflectError
from feedback.models import User
from feedback.users import can
from ui.services import Resources, build_resources, make_settings

log = logging.getLogger(__name__)

USER_KEY = "dk_user"

CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 4rem; }
h1 { font-size: 2rem !important; padding: 0 !important; }
.st-key-dk-draft p, .st-key-dk-draft li { font-size: 1.04rem; line-height: 1.7; }
.dk-chip { display: inline-block; min-width: 1.35em; padding: 0 .38em; margin: 0 .1em; border-radius: .6em;
  background: #e0ecff; color: #1d4ed8; font-size: .78em; font-weight: 600; text-align: center;
  text-decoration: none; vertical-align: .12em; cursor: help; border: 1px solid #bfd4fb; }
.dk-chip-missing { background: #fde2e2; color: #b91c1c; border-color: #f8b4b4; }
.dk-unsupported { background: #fff1c2; text-decoration: line-through; text-decoration-color: #c2410c;
  text-decoration-thickness: 1.5px; cursor: help; border-bottom: 2px dotted #c2410c; }
.dk-quote { border-left: 3px solid #93c5fd; padding: .35rem .75rem; background: #f5f8ff; color: #1f2937;
  font-size: .93rem; white-space: pre-wrap; }
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


def current_user() -> User | None:
    return st.session_state.get(USER_KEY)


def set_user(user: User | None) -> None:
    if user is None:
        st.session_state.pop(USER_KEY, None)
    else:
        st.session_state[USER_KEY] = user


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
                    set_user(None)
                    st.rerun()
    if caption:
        st.caption(caption)


def style() -> None:
    st.html(CSS)
