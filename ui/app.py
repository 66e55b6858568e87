"""deflectkit web app: `streamlit run ui/app.py` (or `deflect ui`).

Signs people in (local account, or a trusted SSO header when DEFLECT_TRUSTED_USER_HEADER is set and the
connection comes from DEFLECT_TRUSTED_PROXIES) and shows only the pages their role allows: agent desk,
escalation queue, admin, evaluator. A local sign-in survives a reload (a session cookie with an expiry).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from deflectkit.app import start
from ui import auth, runtime

HERE = Path(__file__).parent
PAGES = {
    "desk": dict(
        page=HERE / "pages" / "desk.py", title="Agent desk", icon=":material/support_agent:", url_path="desk"
    ),
    "escalations": dict(
        page=HERE / "pages" / "escalations.py",
        title="Escalations",
        icon=":material/support:",
        url_path="escalations",
    ),
    "admin": dict(
        page=HERE / "pages" / "admin.py", title="Admin", icon=":material/settings:", url_path="admin"
    ),
    "evaluator": dict(
        page=HERE / "pages" / "evaluator.py",
        title="Evaluator",
        icon=":material/monitoring:",
        url_path="evaluator",
    ),
}


def login_page() -> None:
    res = runtime.resources()
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.title("deflectkit")
        st.caption("Grounded, cited draft replies from your help center.")
        if isinstance(notice := st.session_state.get(runtime.SIGNED_OUT_KEY), str):
            st.info(notice, icon=":material/logout:")
        if res.settings.trusted_user_header:
            st.info(
                f"Single sign-on is on, but no trusted {res.settings.trusted_user_header} header came with "
                "this page. Open the app through your company's sign-in proxy, or use a local account below."
            )
        with st.form("login"):
            name = st.text_input("User name", autocomplete="username")
            password = st.text_input("Password", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
        if submitted:
            with runtime.shown_errors("Sign-in"):
                runtime.start_session(auth.sign_in(res.store, name, password, res.settings.ui_session_hours,
                                                   client=st.context.ip_address))
                st.rerun()
        st.caption("No account yet? An admin creates one with `deflect users add NAME --role agent`.")


def main() -> None:
    start(runtime.settings())
    st.set_page_config(page_title="deflectkit", page_icon=":material/support_agent:", layout="wide")
    if not auth.origin_ok(st.context.headers, runtime.settings()):
        st.error("This connection sent no Origin header: open the app in a browser.")
        st.stop()
    runtime.style()
    runtime.resume_session()
    user = runtime.current_user()
    runtime.keep_cookie()
    if user is None:
        # The sign-in form answers every page's URL too, so a deep link opens its page after signing in.
        sign_in = [st.Page(login_page, title="Sign in", icon=":material/login:", default=True)]
        sign_in += [
            st.Page(login_page, title="Sign in", url_path=spec["url_path"]) for spec in PAGES.values()
        ]
        st.navigation(sign_in, position="hidden").run()
        return

    keys = auth.allowed_pages(user)
    pages = [st.Page(**PAGES[k], default=(i == 0)) for i, k in enumerate(keys)]
    nav = st.navigation(pages, position="top" if len(pages) > 1 else "hidden")
    nav.run()


main()
