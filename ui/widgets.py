"""Small browser-side pieces Streamlit has no widget for: a button that copies text to the clipboard, a
download that never becomes a server URL, and the session cookie. All are our own fixed code; the data they
get is passed as JSON, never spliced into it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import streamlit as st

COOKIE = "deflect_session"

_COPY_CSS = """
button { font: inherit; font-size: .875rem; font-weight: 400; line-height: 1.6; padding: .25rem .75rem;
  min-height: 2.5rem; border-radius: .5rem; cursor: pointer; display: inline-flex; align-items: center; gap: .4rem;
  border: 1px solid var(--st-primary-color); background: var(--st-primary-color); color: #fff; }
button.secondary { background: transparent; color: var(--st-text-color);
  border-color: var(--st-border-color, rgba(49, 51, 63, .2)); }
button:disabled { cursor: not-allowed; opacity: .55; }
button:focus-visible { outline: 2px solid var(--st-primary-color); outline-offset: 2px; }
"""

# Copies in the click handler itself (the browser only allows clipboard writes during a user gesture),
# with the old execCommand route for plain-http pages where navigator.clipboard does not exist.
_COPY_JS = """
export default function(component) {
  const { data, setTriggerValue, parentElement } = component;
  let button = parentElement.querySelector("button");
  if (!button) {
    button = document.createElement("button");
    parentElement.appendChild(button);
  }
  button.textContent = data.label;
  button.className = data.primary ? "" : "secondary";
  button.disabled = !!data.disabled;
  button.title = data.help || "";
  button.onclick = async () => {
    let copied = false;
    try {
      await navigator.clipboard.writeText(data.text);
      copied = true;
    } catch (e) {
      const area = document.createElement("textarea");
      area.value = data.text;
      document.body.appendChild(area);
      area.select();
      copied = document.execCommand("copy");
      area.remove();
    }
    setTriggerValue("clicked", { copied });
  };
}
"""


@functools.cache
def _copy_component():
    return st.components.v2.component("deflect_copy_button", css=_COPY_CSS, js=_COPY_JS)


def copy_button(label: str, text: str, *, key: str, on_click: Callable[[], None], disabled: bool = False,
                primary: bool = True, help: str = "") -> None:
    """A button that puts `text` on the clipboard and then calls `on_click` (as a widget callback)."""
    _copy_component()(
        key=key,
        data={"label": label, "text": text, "disabled": disabled, "primary": primary, "help": help},
        on_clicked_change=on_click,
        width="content",
    )


# The file is built in the browser from data that came over the signed-in session's websocket, so no
# server URL serves it (st.download_button would put it under /media/<hash>, open to anyone with the link).
_DOWNLOAD_JS = """
export default function(component) {
  const { data, parentElement } = component;
  let button = parentElement.querySelector("button");
  if (!button) {
    button = document.createElement("button");
    parentElement.appendChild(button);
  }
  button.textContent = data.label;
  button.onclick = () => {
    const url = URL.createObjectURL(new Blob([data.text], { type: data.mime }));
    const link = document.createElement("a");
    link.href = url;
    link.download = data.filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  };
}
"""


@functools.cache
def _download_component():
    return st.components.v2.component("deflect_download_button", css=_COPY_CSS, js=_DOWNLOAD_JS)


def download_button(label: str, text: str, *, filename: str, mime: str, key: str) -> None:
    """A download that only this signed-in tab receives (no /media URL on the server)."""
    _download_component()(key=key, data={"label": label, "text": text, "filename": filename, "mime": mime},
                          width="content")


def _cookie_script(value: str, max_age: int) -> str:
    # The token is our own url-safe random string; json.dumps quotes it for JavaScript all the same.
    return (
        "<script>(() => {"
        f"const v = {json.dumps(value)}, age = {int(max_age)};"
        "const secure = location.protocol === 'https:' ? '; Secure' : '';"
        f"document.cookie = '{COOKIE}=' + v + '; Path=/; Max-Age=' + age + '; SameSite=Strict' + secure;"
        "})();</script>"
    )


def set_session_cookie(token: str, hours: float) -> None:
    """Keep the session token in the browser so a reload (F5) resumes the session until it expires."""
    with st.container(key="dk-cookie"):
        st.html(_cookie_script(token, int(hours * 3600)), unsafe_allow_javascript=True)


def clear_session_cookie() -> None:
    with st.container(key="dk-cookie"):
        st.html(_cookie_script("", 0), unsafe_allow_javascript=True)
