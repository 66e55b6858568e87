#!/usr/bin/env python3
"""Generate demo/helpcenter/manuals/ledgerly-admin-handbook.pdf.

Stdlib only. Writes a minimal PDF 1.4 by hand: catalog, page tree, one page
object per page, two Type1 base fonts (Helvetica, Helvetica-Bold), one
content stream per page using BT/ET text operators, an xref table with exact
byte offsets, and a trailer. The text is original writing about the fictional
product "Ledgerly" (CC0).

Usage:  python3 demo/tools/make_pdf.py [output.pdf]
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

PAGE_W, PAGE_H = 612, 792  # US Letter, points
MARGIN_X, TOP_Y, BOTTOM_Y = 72, 720, 72
WRAP = 92  # characters per body line (Helvetica 10pt fits ~95 on 468pt)

# (style, text). Styles: title, subtitle, h (heading), p (paragraph), li (bullet), gap, pagebreak
CONTENT: list[tuple[str, str]] = [
    ("title", "Ledgerly Admin Handbook"),
    ("subtitle", "Version 3.2 (February 2026) - for workspace Owners and Admins on the Pro plan"),
    ("p", "This handbook collects the administrative settings that matter most when Ledgerly is rolled "
          "out to a team: roles, single sign-on, the audit log and data retention. Menu paths refer to "
          "the web app at app.ledgerly.example. Features marked Pro are not available on Starter or Growth."),
    ("h", "1. Roles and permissions"),
    ("p", "Every member of a workspace has exactly one role. The workspace has exactly one Owner."),
    ("li", "Owner: everything, including billing, the payout account, closing the workspace and "
           "transferring ownership to an existing Admin."),
    ("li", "Admin: everything except billing and closing the workspace. Manages members, SSO, webhooks "
           "and API keys, and can issue refunds."),
    ("li", "Accountant: read access to all invoices, payments and reports; records manual payments, "
           "creates credit notes and exports data. Cannot refund or change settings."),
    ("li", "Sales: creates and sends quotes and invoices and sees only the customers and documents they "
           "created. No access to reports or payouts."),
    ("li", "Viewer: read-only access to invoices, customers and reports."),
    ("p", "Custom roles (Pro): Settings > Team > Roles > New role. A workspace can have up to 10 custom "
          "roles, each built from 24 individual permissions (for example \"issue refunds\" or \"export "
          "data\"). We recommend reviewing all members and roles every quarter and removing people who have "
          "left; removed members lose access immediately."),
    ("h", "2. Single sign-on (SAML 2.0) setup"),
    ("p", "SSO is a Pro feature and is configured under Settings > Security > Single sign-on by the Owner "
          "or an Admin. Supported identity providers include Okta, Microsoft Entra ID, Google Workspace, "
          "OneLogin and any SAML 2.0 provider with HTTP-POST binding."),
    ("li", "Step 1 - Verify your email domain with a DNS TXT record (usually within an hour, at most 48 hours)."),
    ("li", "Step 2 - Create a SAML app in the IdP. ACS URL: https://app.ledgerly.example/sso/saml/acs. "
           "Entity ID: https://app.ledgerly.example/sso/saml/metadata/<workspace ID>. Name ID: email address."),
    ("li", "Step 3 - Map the attributes email, firstName and lastName (required) and ledgerlyRole (optional)."),
    ("li", "Step 4 - Upload the IdP metadata XML or its URL and click Test connection."),
    ("li", "Step 5 - Choose Optional or Required. When Required, Ledgerly passwords are disabled for "
           "everyone on the verified domain, except the Owner, who keeps password + 2FA sign-in as a "
           "break-glass account in case the IdP is unavailable."),
    ("p", "Session length: SSO sessions last 12 hours by default and can be set from 1 to 24 hours under "
          "Settings > Security > Session length. Certificate rotation: up to 2 IdP signing certificates can "
          "be active at the same time, so you can upload the new certificate before the old one expires. "
          "Ledgerly emails all Admins 30 days before the active certificate expires. Just-in-time "
          "provisioning creates users on first sign-in with the ledgerlyRole attribute or the default role "
          "(Viewer unless changed). SCIM is not supported; deprovision users in Ledgerly as well."),
    ("h", "3. Audit log"),
    ("p", "The audit log (Pro) records security-relevant activity in the workspace. Open it under "
          "Settings > Security > Audit log. Only the Owner and Admins can view it."),
    ("p", "Recorded events include:"),
    ("li", "successful and failed sign-ins, 2FA changes and SSO configuration changes;"),
    ("li", "members invited, removed, or given a new role, and ownership transfers;"),
    ("li", "changes to the payout bank account, payment methods, taxes and reminder settings;"),
    ("li", "refunds issued, disputes accepted, and data exports started;"),
    ("li", "API keys and webhook endpoints created, rotated or deleted."),
    ("p", "Each entry shows the time in UTC, the acting user (or API key), the IP address, the action and the "
          "affected object. Entries are kept for 365 days and cannot be edited or deleted, not even by the "
          "Owner. Use the filters for member, action type and date range, then click Export CSV to download "
          "up to 100,000 entries at a time. To keep entries longer than 365 days, export them regularly or "
          "subscribe a webhook endpoint to the audit.entry_created event and forward it to your SIEM."),
    ("h", "4. Data retention"),
    ("p", "The following retention periods apply to every workspace unless noted otherwise:"),
    ("li", "Deleted draft invoices and quotes: kept in Trash for 30 days, then permanently deleted."),
    ("li", "Sent invoices and credit notes: cannot be deleted, only voided; kept while the workspace is active."),
    ("li", "Audit log entries: 365 days (Pro)."),
    ("li", "Webhook delivery logs and email delivery logs: 30 days."),
    ("li", "API request logs: 14 days."),
    ("li", "Closed workspace: can be reopened for 30 days, then deleted; encrypted backups expire after 35 days."),
    ("li", "Payment transaction records: up to 10 years in a restricted archive, as required by law."),
    ("p", "Customer retention policy (Pro): under Settings > Data > Retention you can have Ledgerly "
          "automatically delete customers with no invoices, quotes or payments for 3, 5 or 7 years. "
          "Deletion runs on the first day of each month; customers with open invoices are never deleted."),
    ("h", "5. Admin security checklist"),
    ("li", "Require two-factor authentication for all members (Settings > Security)."),
    ("li", "Enable SSO and set it to Required once every member has signed in through the IdP once."),
    ("li", "Create API keys with the smallest scope needed and rotate them every 90 days."),
    ("li", "Restrict API keys to your server IP addresses with the IP allowlist (Pro)."),
    ("li", "Review the audit log for failed sign-ins and payout account changes every month."),
]


def pdf_escape(s: str) -> str:
    """Escape a string for use inside a PDF literal string ( ... )."""
    s = s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return s.encode("ascii", "replace").decode("ascii")


def layout(content):
    """Return a list of pages; each page is a list of (font, size, x, y, text)."""
    pages, cur, y = [], [], TOP_Y

    def newpage():
        nonlocal cur, y
        pages.append(cur)
        cur, y = [], TOP_Y

    for style, text in content:
        if style == "pagebreak":
            newpage()
            continue
        if style == "title":
            spec = [("F2", 20, MARGIN_X, text, 28)]
        elif style == "subtitle":
            spec = [("F1", 10, MARGIN_X, text, 22)]
        elif style == "h":
            if y < TOP_Y:
                y -= 8
            spec = [("F2", 13, MARGIN_X, text, 19)]
        elif style == "li":
            lines = textwrap.wrap(text, WRAP - 4)
            spec = [("F1", 10, MARGIN_X + 10, "- " + lines[0], 14)]
            spec += [("F1", 10, MARGIN_X + 20, ln, 14) for ln in lines[1:]]
        else:  # paragraph
            lines = textwrap.wrap(text, WRAP)
            spec = [("F1", 10, MARGIN_X, ln, 14) for ln in lines]
            spec[-1] = spec[-1][:4] + (20,)
        for font, size, x, line, lead in spec:
            if y - lead < BOTTOM_Y:
                newpage()
            cur.append((font, size, x, y, line))
            y -= lead
    if cur:
        pages.append(cur)
    return pages


def content_stream(page_lines, page_no, total):
    ops = []
    for font, size, x, y, text in page_lines:
        ops.append(f"BT /{font} {size} Tf {x} {y} Td ({pdf_escape(text)}) Tj ET")
    footer = f"Ledgerly Admin Handbook - page {page_no} of {total}"
    ops.append(f"BT /F1 8 Tf {MARGIN_X} 40 Td ({pdf_escape(footer)}) Tj ET")
    return ("\n".join(ops) + "\n").encode("ascii")


def build_pdf(pages) -> bytes:
    # Object numbering: 1 catalog, 2 pages, 3 F1, 4 F2, then (page, content) pairs.
    objects: dict[int, bytes] = {}
    n = len(pages)
    page_ids = [5 + 2 * i for i in range(n)]
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects[2] = f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode()
    objects[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects[4] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    for i, lines in enumerate(pages):
        pid, cid = page_ids[i], page_ids[i] + 1
        objects[pid] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {cid} 0 R >>"
        ).encode()
        stream = content_stream(lines, i + 1, n)
        objects[cid] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream"

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref_pos = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n" % size
    out += b"0000000000 65535 f \n"
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num]
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info << /Title (Ledgerly Admin Handbook) >> >>\n" % size
    out += b"startxref\n%d\n%%%%EOF\n" % xref_pos
    return bytes(out)


def main() -> None:
    here = Path(__file__).resolve().parent
    default = here.parent / "helpcenter" / "manuals" / "ledgerly-admin-handbook.pdf"
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    pages = layout(CONTENT)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(build_pdf(pages))
    print(f"wrote {target} ({len(pages)} pages)")


if __name__ == "__main__":
    main()
