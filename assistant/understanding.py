"""Ticket text -> its parts: greeting, quoted history, signature, the customer's asks, entities, language.

`understand(subject, body)` is pure and deterministic: no I/O beyond loading the language model
once, lazily, from inside its wheel. The ticket's `core` (greeting, quoted history and signature
cut) is what retrieval should read; `asks` splits the core into the one or few things the
customer wants, each carrying its own context, so each can be retrieved for on its own
(`ask_queries`).

Language identification uses py3langid (a maintained fork of langid.py): a naive-Bayes model of a
few MB shipped inside the wheel, numpy its only dependency, loaded once (~1 s) and then a few
milliseconds per ticket, the same on every machine. lingua-language-detector is more accurate on
one- and two-word snippets, but it is a much heavier install and memory footprint for a gain that
support tickets (sentences, not single words) rarely need; when a ticket is that short the
confidence says so, and below `_MIN_CONFIDENCE` `language` is None rather than a guess.

Rules are plain line and word tests plus regexes with bounded repetition only, so time grows
linearly with the ticket (a pasted 20k-character log costs nothing extra). They cover English,
German, Spanish and French wording; other languages still get quoting, signature delimiters,
entities, sentence splitting at "?" and one ask for the whole core.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import Literal

from pydantic import BaseModel, Field

AskKind = Literal["question", "problem", "request"]
EntityKind = Literal["identifier", "error_code", "version", "product"]

MAX_ASKS = 5


class Ask(BaseModel):
    text: str
    kind: AskKind
    index: int = Field(description="Position among the ticket's asks, from 0.")


class Entity(BaseModel):
    kind: EntityKind
    text: str
    start: int = Field(description="Character offset in TicketParts.core (or in the subject when source is 'subject').")
    source: Literal["core", "subject"] = "core"


class TicketParts(BaseModel):
    subject: str = ""
    greeting: str | None = None
    customer_name: str | None = Field(None, description="From the sign-off; never an email address.")
    quoted: str = Field("", description="Quoted history removed from the body ('>' lines, reply headers onward).")
    signature: str = Field("", description="Sign-off, '-- ' signature block, legal disclaimer, 'Sent from' lines.")
    core: str = Field(description="The body without greeting, quoted history and signature (the subject when "
                                  "nothing is left): what retrieval should read.")
    asks: list[Ask] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    language: str | None = Field(None, description="ISO 639-1 code; None when the text is too short to tell.")
    language_confidence: float = Field(0.0, ge=0.0, le=1.0)


_I = re.IGNORECASE


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# ---------------------------------------------------------------------------------------------
# Quoted history. A reply header starts the history; everything from it on is quoted, unless
# '>' lines follow it (then it only introduces that quote, and the customer may answer below).

_REPLY_HEADERS = [
    re.compile(r"^On\s.{0,300}\bwrote:?\s*$", _I),
    re.compile(r"^Am\s.{0,300}\bschrieb\b.{0,300}:\s*$", _I),
    re.compile(r"^El\s.{0,300}\bescribió:?\s*$", _I),
    re.compile(r"^Le\s.{0,300}\ba\s+écrit\s*:?\s*$", _I),
    re.compile(r"^-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Mensaje original|Message d'origine"
               r"|Message original)\s*-{2,}\s*$", _I),
]
# Outlook's unquoted history: a "From:" line with "Sent:"/"Date:" within the next few lines.
_FROM = re.compile(r"^\*?(?:From|Von|De)\s?:\*?\s", _I)
_SENT = re.compile(r"^\*?(?:Sent|Date|Gesendet|Datum|Enviado|Fecha|Envoyé|Date d'envoi)\s?:\*?\s", _I)


# A forwarded message is the customer's own request passed on, not history: it is read as the message.
_FORWARD = re.compile(
    r"^(?:-{2,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Mensaje reenviado|Message transféré)\s*-{2,}"
    r"|Begin forwarded message:?|Anfang der weitergeleiteten (?:Nachricht|E-Mail):?)\s*$", _I)
_HEADER_FIELD = re.compile(r"^\*?(?:From|Sent|Date|To|Cc|Subject|Reply-To|Von|Gesendet|Datum|An|Betreff|De|Enviado"
                           r"|Fecha|Para|Asunto|Envoyé|À|Objet)\s?:\*?", _I)
_SUBJECT_FIELD = re.compile(r"^\*?(?:Subject|Betreff|Asunto|Objet)\s?:\*?\s*(.*)$", _I)


def _unforwarded(text: str) -> tuple[str, str]:
    """(text, forwarded subject): the text with a forward marker and the forwarded message's header
    block taken out, so the message passed on is read as the customer's ('' subject: none found)."""
    lines = text.split("\n")
    at = next((i for i, line in enumerate(lines) if _FORWARD.match(line.strip())), None)
    if at is None:
        return text, ""
    rest = [re.sub(r"^\s*>\s?", "", line) for line in lines[at + 1:]]
    subject, j = "", 0
    while j < len(rest) and (not rest[j].strip() or _HEADER_FIELD.match(rest[j].strip())):
        if m := _SUBJECT_FIELD.match(rest[j].strip()):
            subject = m.group(1).strip()
        j += 1
    return "\n".join([*lines[:at], "", *rest[j:]]).strip(), subject


def _header_at(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    if not line:
        return False
    if any(p.match(line) for p in _REPLY_HEADERS):
        return True
    # Mail clients wrap long "On ... <address> wrote:" headers over two lines.
    if i + 1 < len(lines) and re.match(r"^(?:On|Am|El|Le)\s", line) and len(line) < 300:
        joined = f"{line} {lines[i + 1].strip()}"
        if any(p.match(joined) for p in _REPLY_HEADERS[:4]):
            return True
    if _FROM.match(line):
        return any(_SENT.match(nxt.strip()) for nxt in lines[i + 1: i + 5])
    return False


def _split_quoted(lines: list[str]) -> tuple[list[str], list[str]]:
    """(kept lines, quoted lines)."""
    kept: list[str] = []
    quoted: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">"):
            quoted.append(line)
            i += 1
            continue
        if _header_at(lines, i):
            wrapped = (i + 1 < len(lines) and not any(p.match(lines[i].strip()) for p in _REPLY_HEADERS)
                       and not _FROM.match(lines[i].strip()))
            nxt = next((j for j in range(i + (2 if wrapped else 1), len(lines)) if lines[j].strip()), None)
            if nxt is not None and lines[nxt].lstrip().startswith(">"):
                quoted.extend(lines[i: nxt])
                i = nxt
                continue
            quoted.extend(lines[i:])
            break
        kept.append(line)
        i += 1
    return kept, quoted


# ---------------------------------------------------------------------------------------------
# Signature: "-- " block, legal disclaimer, "Sent from my phone", and the sign-off with the name.

_SIG_DASHES = re.compile(r"^(?:--|—|__+)\s*$")
_DISCLAIMER_OPENERS = re.compile(
    r"^\s*(?:this (?:e-?mail|message|communication|transmission)\b|the information (?:contained )?in this\b"
    r"|confidentiality (?:notice|note|statement)|disclaimer\b|important notice\b|privileged (?:and|&) confidential"
    r"|diese (?:e-?mail|nachricht)\b|este (?:correo|mensaje)\b|ce (?:message|courriel|mail)\b)", _I)
_DISCLAIMER_WORDS = re.compile(
    r"\b(?:confidential|privileged|intended recipient|intended solely|addressee|vertraulich|empfänger"
    r"|confidencial|destinatario|confidentiel|destinataire)", _I)
_SENT_FROM = re.compile(
    r"^(?:sent from my\b|sent from \w+ for\b|get outlook for\b|von meinem\b.{0,40}\bgesendet"
    r"|enviado desde mi\b|envoyé de mon\b|envoyé depuis mon\b)", _I)

# A closing alone on its line (or ending the last sentence), optionally followed by a name.
_CLOSING = re.compile(
    r"^(?:(?:many |big |kind |warm |best |with )?(?:thanks|thank you|thx|ty)(?: (?:so much|a lot|again|very much))?"
    r"(?: (?:in advance|for (?:your|any|the) (?:help|support|assistance|time|patience)))?"
    r"|(?:best|kind|warm|warmest|many|with)? ?regards|best(?: wishes)?|cheers|sincerely|yours(?: truly| sincerely)?"
    r"|respectfully|all the best|br|kr|thanks and regards|regards and thanks"
    r"|(?:mit )?(?:freundlichen|besten|herzlichen|lieben|viele|beste|liebe|schöne) grüßen?|(?:viele )?grüße|gruß|lg|vg|mfg"
    r"|(?:vielen |herzlichen )?dank(?:e)?(?: schön| sehr| im voraus)?"
    r"|(?:un )?(?:cordial )?saludos?(?: cordiales)?|atentamente|(?:muchas )?gracias(?: de antemano| por (?:su|tu) ayuda)?"
    r"|un abrazo|cordialement|bien (?:cordialement|à vous)|merci(?: beaucoup| d'avance| par avance)?"
    r"|salutations|bonne (?:journée|soirée)|sincères salutations)"
    r"[ \t]*[,.!:;—–-]*[ \t]*", _I)

_NAME_PARTICLES = _set("van von der den de da del della di du la le y bin al")
_NOT_NAMES = _set("team support the customer service thanks thank hi hello regards sent from my iphone android")


def _name(text: str) -> str | None:
    """A person's name from a sign-off line: 1-4 capitalised words, email and titles cut off."""
    text = re.sub(r"<[^<>\s]{0,200}@[^<>\s]{0,200}>", "", text)  # "Anne Miller <anne@x.example>"
    text = re.split(r"\s(?:\||/|–|—|-)\s|[,(|\t]", text, maxsplit=1)[0]
    text = text.strip().lstrip("-–— ").strip(" .")
    if not text or "@" in text or len(text) > 40 or any(ch.isdigit() for ch in text):
        return None
    words = text.split()
    if not 1 <= len(words) <= 4:
        return None
    for k, w in enumerate(words):
        if w.lower() in _NOT_NAMES:
            return None
        if 0 < k < len(words) - 1 and w.lower() in _NAME_PARTICLES:
            continue
        if not (w[0].isupper() and all(ch.isalpha() or ch in "'’.-" for ch in w)):
            return None
    return text


def _closing(line: str) -> tuple[bool, str | None]:
    """(is the line a sign-off, the name on it)."""
    m = _CLOSING.match(line.strip())
    if not m:
        return False, None
    rest = line.strip()[m.end():]
    if not rest:
        return True, None
    name = _name(rest)
    return (True, name) if name else (False, None)


def _short_sig_line(line: str) -> bool:
    """A line that can follow a sign-off: name, title, company, phone, address, link."""
    s = line.strip()
    if len(s) > 80 or len(s.split()) > 10 or s.endswith("?"):
        return False
    # "Thanks.\nIt still fails." is a thank-you and then the ticket going on, not a sign-off.
    return not (len(s.split()) >= 3 and s.endswith((".", "!"))) and not _PROBLEM.search(s) and not _REQUEST.match(s)


def _split_signature(lines: list[str]) -> tuple[list[str], list[str], str | None]:
    """(kept lines, signature lines, customer name)."""
    sig_from = len(lines)
    # "-- " delimiter (RFC 3676); "--" alone too, when little follows it.
    for i, line in enumerate(lines):
        if line == "-- " or (_SIG_DASHES.match(line.strip()) and len(lines) - i <= 12):
            sig_from = i
            break
    # Legal disclaimer: a paragraph opening like one, or full of its words.
    start = 0
    for i in range(min(sig_from, len(lines)) + 1):
        if i == len(lines) or not lines[i].strip():
            para = " ".join(x.strip() for x in lines[start:i])
            if para and (_DISCLAIMER_OPENERS.match(para) and _DISCLAIMER_WORDS.search(para)
                         or len(_DISCLAIMER_WORDS.findall(para)) >= 2 and len(para.split()) >= 15):
                sig_from = min(sig_from, start)
                break
            start = i + 1
    for i in range(sig_from):
        if _SENT_FROM.match(lines[i].strip()):
            sig_from = i
            break
    block_name = _name(next((x for x in lines[sig_from + 1:] if x.strip()), "")) if sig_from < len(lines) \
        and _SIG_DASHES.match(lines[sig_from].strip()) else None
    body = lines[:sig_from]
    # The sign-off: a closing line among the last few non-empty ones, with only short lines after it.
    filled = [i for i, line in enumerate(body) if line.strip()]
    name: str | None = None
    for i in filled[-7:]:
        ok, on_line = _closing(body[i])
        after = [body[j] for j in filled if j > i]
        if ok and all(_short_sig_line(x) for x in after):
            name = on_line or (_name(after[0]) if after else None) or block_name
            return body[:i], body[i:] + lines[sig_from:], name
    # A closing that ends the last line ("... can you help? Thanks, Anne").
    if filled:
        last = body[filled[-1]]
        for m in re.finditer(r"(?<=[.!?])\s+", last):
            ok, on_line = _closing(last[m.end():])
            if ok:
                return body[:filled[-1]] + [last[:m.start()]], [last[m.end():]] + body[filled[-1] + 1:] + lines[
                    sig_from:], on_line
    # A bare name on its own last line after a finished sentence ("...please help.\n\nAnne").
    if len(filled) >= 2 and filled[-1] - filled[-2] >= 2 and body[filled[-2]].rstrip().endswith((".", "!", "?")):
        n = _name(body[filled[-1]])
        if n and len(n.split()) <= 3:
            return body[:filled[-1]], body[filled[-1]:] + lines[sig_from:], n
    return body, lines[sig_from:], block_name


# ---------------------------------------------------------------------------------------------
# Greeting: the first line's salutation, alone on its line or ending in a comma.

_GREETING = re.compile(
    r"^(?:hi|hiya|hello|hey|dear|greetings|good (?:morning|afternoon|evening|day)|howdy"
    r"|hallo|guten (?:tag|morgen|abend)|liebe[rs]?|sehr geehrte[rs]?|moin|servus|grüß gott|grüezi"
    r"|hola|buen(?:os|as) (?:días|dias|tardes|noches)|estimad[oa]s?|querid[oa]s?"
    r"|bonjour|bonsoir|salut|cher|chère|chers|chères|madame|monsieur)\b", _I)
_GREETING_LINE = re.compile(r"^(\S+(?:[ \t]+\S+){0,6}?)[ \t]*(?:[,!:;.—–]+|$)")


def _split_greeting(lines: list[str]) -> tuple[str | None, list[str]]:
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, lines
    line = lines[first].strip()
    if not _GREETING.match(line):
        return None, lines
    alone = line.endswith((",", "!", ":", "—")) or (len(line.split()) <= 4 and not _PROBLEM.search(line)
                                                    and not _REQUEST.search(line))
    if alone and len(line.split()) <= 7 and not re.search(r"[.?!,]\s+\S", line):
        return line, lines[first + 1:]  # "Hi Support team," / "Sehr geehrte Damen und Herren,"
    m = re.match(r"^([^,!\n]{1,60}?(?:[,!]|\s[—–-]))\s+(?=\S)", line)
    if m and len(m.group(1).split()) <= 5:
        return m.group(1), [line[m.end():]] + lines[first + 1:]  # "Hi, I can't log in."
    return None, lines


# ---------------------------------------------------------------------------------------------
# Asks.

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
# A line that machines wrote (stack frames, log lines, dumps): context for the ask before it,
# never an ask of its own.
_MACHINE = re.compile(
    r"^(?:at\s+[\w$.<>]+\(|File \"|Traceback \(|Caused by:|\.\.\. \d+ more|\d{4}-\d{2}-\d{2}[T ]\d|\[\d{4}-\d{2}-\d{2}"
    r"|\d{2}:\d{2}:\d{2}|\[?(?:ERROR|WARN|WARNING|INFO|DEBUG|TRACE|FATAL|SEVERE)\]?[\s:]"
    r"|(?:[a-z_][\w$]*\.){2,}[\w$]+(?:Exception|Error)?\b|[\[{]|\w+(?:Exception|Error):)")


def _is_machine(raw: str) -> bool:
    s = raw.strip()
    if not s:
        return False
    if raw[:1] == "\t" or raw.startswith("    ") or _MACHINE.match(s):
        return True
    letters = sum(ch.isalpha() or ch.isspace() for ch in s)
    return len(s) >= 12 and letters / len(s) < 0.6


_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
_TERMINAL = (".", "!", "?", ":", ";", "…")
_ABBREV = _set("e.g i.e etc vs approx no nr fig p pp dr mr mrs ms st inc ltd min max z.b bzw ca usw sr sra dra p.ej mme mlle cf")


def _opens_ask(text: str) -> bool:
    return bool(_CLAUSE_OPENER.match(text) or _REQUEST.match(text))


def _sentences(text: str) -> list[str]:
    """Split at . ! ? … followed by space; after '.' only when a capital, digit or ¿ follows."""
    out: list[str] = []
    start = 0
    for m in re.finditer(r"[.!?…]+[\"')\]»]*\s+", text):
        nxt = text[m.end(): m.end() + 1]
        mark = text[m.start()]
        # Lower case after '.' goes on, unless a question or request opens there ("two things. how do i ...").
        if mark == "." and not (nxt.isupper() or nxt.isdigit() or nxt in "¿¡\"'(«"
                                or _opens_ask(text[m.end(): m.end() + 40])):
            continue
        if mark == ".":
            before = text[start: m.start()].split()
            last = before[-1].lower().rstrip(".") if before else ""
            if last in _ABBREV or (len(last) == 1 and last.isalpha()):
                continue
        piece = text[start: m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


_REQUEST = re.compile(
    r"^(?:please|pls|plz|kindly|could you|can you|would you|will you|can someone|could someone"
    r"|i(?:'d| would) like|i want(?: to)?|i need|we need|we(?:'d| would) like|i am looking for|i'm looking for"
    r"|how (?:do|can|should) (?:i|we)|how to|help me|let me know|tell me"
    r"|bitte|können sie|könnten sie|kannst du|könntest du|ich möchte|ich würde gerne|wir möchten|ich brauche|wir brauchen"
    r"|wie kann ich|wie können wir|wie kann man|ich bitte"
    r"|por favor|necesito|necesitamos|quiero|quisiera|queremos|me gustaría|pueden|podrían|puede|podría"
    r"|cómo (?:puedo|podemos|hago|se)|ayúdenme|ayudenme"
    r"|merci de|veuillez|pourriez-vous|pouvez-vous|pourrais-tu|peux-tu|je voudrais|j'aimerais|je souhaite|nous souhaitons"
    r"|j'ai besoin|nous avons besoin|comment (?:puis-je|faire|je peux|pouvons-nous)|aidez-moi)\b", _I)
_REQUEST_ANYWHERE = re.compile(r"\b(?:please|bitte|por favor|s'il vous plaît|s'il vous plait|svp)\b", _I)
_PROBLEM = re.compile(
    r"\b(?:can(?:no|')t|can not|could(?:n't| not)|unable to|not able to|won't|wouldn't|doesn't|does not|didn't"
    r"|isn't|aren't|wasn't|weren't|haven't|hasn't|don't (?:work|have|see|get|receive)|not working|no longer"
    r"|stopped working|errors?|fail(?:s|ed|ing|ure)?|broken|crash(?:es|ed|ing)?|freez(?:es|ing)|froze|hangs?"
    r"|never (?:arrived|received|came|got)|not (?:received|arrived|showing|loading|load)|missing|stuck|wrong"
    r"|incorrect|charged twice|double[- ]charged|timed? ?out|time-?out|denied|rejected|declined|exception|bug"
    r"|issues?|problems?|locked out|disappeared|lost"
    r"|kann (?:ich |man |es )?nicht|können (?:wir )?nicht|(?:funktioniert|geht|klappt|lädt|öffnet)\b[^.?!\n]{0,30}\bnicht"
    r"|fehler\w*|fehlgeschlagen|schlägt fehl|nicht (?:angekommen|erhalten|möglich|mehr)"
    r"|nie angekommen|keine? \w+ erhalten|abgestürzt|stürzt ab|falsch|hängt"
    r"|no puedo|no podemos|no funciona|sin funcionar|no (?:se )?puede|no me deja|no carga|no llegó|nunca llegó|no he recibido|no recibí|nunca recibí"
    r"|falla|falló|fallido|problema|incorrect[oa]|bloquead[oa]"
    r"|ne (?:peux|pouvons|fonctionne|marche|charge|s'affiche)|impossible de|erreur|échoue|échec|plante|bloqué"
    r"|jamais (?:reçu|arrivé)|pas reçu|n'est (?:jamais|pas) arrivé|problème)\b", _I)
# A sentence opening a new topic even when it continues a problem.
_NEW_TOPIC = re.compile(
    r"^(?:also|additionally|another|second(?:ly)?|separately|on another note|unrelated|p\.?s\.?|besides"
    r"|außerdem|zudem|ebenso|auch|noch|weiterhin|zweitens|además|también|otra cosa|aparte|por otro lado"
    r"|de plus|aussi|par ailleurs|autre chose|en outre|également)\b", _I)

# Words that carry no topic: function words in the four languages and the "help me" vocabulary.
# An ask made only of these ("Any ideas?", "How can I fix this?") leans on the ask before it.
_LIGHT = _set("""
    a an the this that these those it its is are am was were be been being do does did done can could would will
    should shall may might must have has had i me my we us our you your he she they them there here what how why
    when where which who any some anyone someone somebody anything something all please kindly thanks thank
    help helps helping assist assistance advice advise idea ideas suggestion suggestions thoughts clue hint
    fix solve solution resolve workaround happen happening going on about with for of to in at by from and or
    so if not no yes just again now know let tell get sort out look into appreciated appreciate great urgent asap
    der die das den dem des ein eine einen einem ist sind war was wie warum wo wann wer kann können könnten
    sie ich wir mir mich uns es bitte hilfe helfen danke lösung lösen beheben idee ideen tipp dafür damit dazu
    hier da dies diese dieser und oder nicht mal schon noch
    el la los las un una unos unas es son está esto eso qué que cómo como por porqué dónde cuándo quién puedo
    pueden puede me nos se lo le ayuda ayudar ayudarme ayudarnos favor gracias solución solucionar arreglar idea
    alguna algún alguien hay y o no
    le la les un une des est sont ce cela ça quoi comment pourquoi où quand qui peux pouvez puis je nous vous
    me aide aider aidez merci solution résoudre réparer idée une et ou ne pas moi il y a
""")

# The second half of "X and Y" opens a clause of its own with one of these.
_CLAUSE_OPENER = re.compile(
    r"^(?:how|what|why|where|when|which|who|is there|are there|can (?:i|we|you)|could (?:i|we|you)|do (?:i|we|you)"
    r"|should (?:i|we)|will (?:i|we|you)|would you|please"
    r"|wie|was|warum|wo|wann|kann (?:ich|man)|können (?:sie|wir)|gibt es|bitte"
    r"|cómo|qué|por qué|dónde|cuándo|puedo|pueden|hay|por favor"
    r"|comment|que|pourquoi|où|quand|puis-je|pouvez-vous|est-ce que|y a-t-il)\b", _I)
# The lead of an imperative ask, repeated in front of the second half ("How do I" + "invite ...").
_LEAD = re.compile(
    r"^(?:¿\s*)?(?:how (?:do|can|should|would) (?:i|we)|how to|can you(?: please)?|could you(?: please)?"
    r"|would you(?: please)?|please|can (?:i|we)"
    r"|wie kann ich|wie können wir|können sie(?: bitte)?|könnten sie(?: bitte)?|bitte"
    r"|cómo (?:puedo|podemos)|pueden|podrían|puede|por favor|necesito|quiero"
    r"|comment (?:puis-je|pouvons-nous|faire pour)|pouvez-vous|pourriez-vous|merci de|veuillez|je voudrais)\s+", _I)
# German puts the verb last: "wie kann ich 2FA aktivieren und ein Teammitglied einladen?"
_LEAD_DE = re.compile(r"^(?:wie (?:kann|könnte) (?:ich|man)|wie können wir|könn(?:en|ten) sie(?: bitte)?|bitte)\s+", _I)
# What a verb phrase's second word looks like: an article, possessive, object pronoun or particle.
_OBJECT_CUE = _set("""
    a an the my our your their his her its this that these those all some any me us them it him up out off on in
    back down over new another more
    einen ein eine einem den die das dem der meine meinen mein unsere unseren unser ihre ihren alle neue neuen
    un una unos unas el la los las mi mis nuestro nuestra nuestros su sus este esta todos todas nuevo nueva a al
    une le les mon ma mes notre nos votre vos ce cette ces tous toutes nouveau nouvelle
""")
# A question or request pointing back at the problem just told ("Can you resend it?").
_ANAPHOR = re.compile(r"\b(?:it|this|that|them|these|those)\b", _I)
_MAX_SPLIT_CHARS = 300
_CONJ = re.compile(r"\s(?:and|und|y|e|et)\s", _I)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _light(text: str) -> bool:
    """An ask with at most one topic word ("Any ideas?", "How do I fix this?")."""
    return sum(1 for w in _words(text) if w not in _LIGHT and not w.isdigit()) <= 1


# "And how do I ...", "Also, can you ...": a joining word in front of an ask.
_JOINER = re.compile(r"^(?:and|also|plus|but|or|so|und|auch|y|también|et|aussi)\b[,\s]*", _I)


def _kind(sentence: str) -> AskKind | None:
    s = _JOINER.sub("", sentence.strip())
    if s.endswith(("?", "？")) or s.startswith("¿"):
        return "question"
    # A request can open after a topic word or a clause: "Separately, I'd like ...", "..., can you resend it".
    request = any(_REQUEST.match(s[m.end():]) for m in re.finditer(r"^|[,;:]\s+|^\w+\s+(?=I\b)", s))
    problem = _PROBLEM.search(s)
    if request and not (problem and problem.start() < 40 and not _REQUEST.match(s)):
        return "request"
    if problem:
        return "problem"
    return "request" if _REQUEST_ANYWHERE.search(s) else None


def _verb_phrase(half: str) -> bool:
    """A half that opens with a verb: a lower-case word, then an article/object/particle, then more."""
    words = half.split()
    if len(words) < 3:
        return False
    first, second = words[0], words[1].lower().strip(",")
    return (first.isalpha() and first.islower() and first.lower() not in _LIGHT
            and first.lower() not in _OBJECT_CUE and second in _OBJECT_CUE)


def _verb_last(half: str) -> bool:
    words = half.split()
    last = words[-1] if words else ""
    return (len(words) >= 2 and last.isalpha() and last.islower() and last.endswith(("en", "ern", "eln"))
            and len(last) >= 5 and last not in _LIGHT)


def _split_conjunction(sentence: str, room: int = MAX_ASKS) -> list[str]:
    """'How do I turn on 2FA and invite a team member?' -> two asks; anything less clear stays whole.

    Only sentences of an ask's length are looked at (a pasted paragraph with twenty "and"s is not
    twenty asks), into at most `room` pieces."""
    if room <= 1 or len(sentence) > _MAX_SPLIT_CHARS:
        return [sentence]
    question = sentence.rstrip().endswith("?")
    end = "?" if question else "."
    body = sentence.rstrip().rstrip("?.!").strip()
    lead, lead_de = _LEAD.match(body), _LEAD_DE.match(body)
    for m in _CONJ.finditer(body):
        left, right = body[:m.start()].strip().rstrip(","), body[m.end():].strip()
        if len(_words(left)) < 3 or len(_words(right)) < 3 or _light(left) or _light(right):
            continue
        if _CLAUSE_OPENER.match(right):
            return [f"{left}{end}"] + _split_conjunction(right + end, room - 1)
        if lead and len(left) > lead.end() and _verb_phrase(left[lead.end():]) and _verb_phrase(right):
            prefix = lead.group(0)
            return [f"{left}{end}"] + _split_conjunction(f"{prefix[:1].upper()}{prefix[1:]}{right}{end}", room - 1)
        if lead_de and len(left) > lead_de.end() and _verb_last(left[lead_de.end():]) and _verb_last(right):
            prefix = lead_de.group(0)
            return [f"{left}{end}"] + _split_conjunction(f"{prefix[:1].upper()}{prefix[1:]}{right}{end}", room - 1)
    return [sentence]


class _Unit:
    __slots__ = ("text", "para", "machine", "kind", "light")

    def __init__(self, text: str, para: int, machine: bool):
        self.text, self.para, self.machine = text, para, machine
        self.kind: AskKind | None = None if machine else _kind(text)
        self.light = not machine and _light(text)


MACHINE_QUERY_LINES = 10  # distinct lines of each pasted log or stack trace that a retrieval query keeps
_FRAME = re.compile(r"^\s*(?:at\s+[\w$.<>]+\(|\.\.\.\s*\d+\s+more|File \"[^\"]*\", line \d+)")


def condensed(text: str, keep: int = MACHINE_QUERY_LINES) -> str:
    """`text` with each run of machine lines (a pasted log, a stack trace) cut to its first `keep`
    distinct lines that are not stack frames: the messages name the problem, while hundreds of frames
    or one line repeated would outweigh the customer's own words in a retrieval query."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in text.split("\n"):
        if not _is_machine(raw):
            seen.clear()
            out.append(raw)
            continue
        line = raw.strip()
        if len(seen) < keep and line not in seen and not _FRAME.match(line):
            out.append(raw)
            seen.add(line)
    return "\n".join(out)


def _units(core: str) -> list[_Unit]:
    """Sentences of the core, with their paragraph; a run of machine lines is one unit (its first line)."""
    units: list[_Unit] = []
    para, buf, in_machine = 0, [], False

    def flush():
        nonlocal buf
        if buf:
            for s in _sentences(" ".join(buf)):
                units.append(_Unit(s, para, False))
        buf = []

    for raw in core.split("\n"):
        line = raw.strip()
        if not line:
            flush()
            para += 1
            in_machine = False
            continue
        if _is_machine(raw):
            flush()
            if not in_machine:
                units.append(_Unit(line[:200], para, True))
            in_machine = True
            continue
        in_machine = False
        if _LIST_ITEM.match(line):
            flush()
            buf = [_LIST_ITEM.sub("", line)]
            continue
        # Hard-wrapped lines go on; a short unpunctuated line followed by a capital starts anew.
        if buf and (buf[-1].endswith(_TERMINAL) or (len(buf[-1]) < 50 and line[:1].isupper())):
            flush()
        buf.append(line)
    flush()
    return units


def _asks(units: list[_Unit]) -> list[Ask]:
    if not units:
        return []
    strong = [u for u in units if u.kind and not u.light]
    if not strong:
        kinds = [u.kind for u in units if u.kind]
        return [Ask(text=_join(u.text for u in units), kind=kinds[0] if kinds else "request", index=0)]
    groups: list[dict] = []  # {"kind", "parts", "para"}
    pending: list[str] = []
    # The next strong ask after each unit, found once (a scan per unit would be quadratic).
    next_strong: list[_Unit | None] = [None] * len(units)
    for i in range(len(units) - 2, -1, -1):
        v = units[i + 1]
        next_strong[i] = v if v.kind and not v.light else next_strong[i + 1]
    for i, u in enumerate(units):
        prev = groups[-1] if groups else None
        if u.kind and not u.light:
            pieces = _split_conjunction(u.text) if u.kind in ("question", "request") else [u.text]
            follow = (prev is not None and prev["para"] == u.para and prev["open"] and not _NEW_TOPIC.match(u.text))
            merged = bool(follow and (prev["kind"] == "problem" or _ANAPHOR.search(pieces[0])))
            if follow and prev["kind"] == "problem" and u.kind == "problem":
                prev["parts"].extend(pending + pieces)  # the same problem, told on
                pieces = []
            elif follow and prev["kind"] == "problem":
                # What the customer asks about the problem just told ("... keeps failing. How should we
                # handle it?"): the problem is that ask's context, and the ask is of the asking kind.
                prev["parts"].extend(pending + pieces[:1])
                prev["kind"], pieces = u.kind, pieces[1:]
            elif merged:
                prev["parts"].extend(pending + pieces[:1])  # pointing back ("How do I set that up?")
                pieces = pieces[1:]
            for k, piece in enumerate(pieces):
                groups.append({"kind": u.kind, "parts": (pending if k == 0 and not merged else []) + [piece],
                               "para": u.para, "open": True})
            pending = []
            continue
        # Context (or a light ask): stays with the ask before it when that ask is a problem told in the
        # same paragraph, or when no ask follows in this paragraph; otherwise it leads into the next ask.
        nxt = next_strong[i]
        same_para = prev is not None and prev["para"] == u.para
        leans_back = u.machine or u.light or (prev is not None and prev["kind"] == "problem")
        if prev and ((same_para and (leans_back or nxt is None or nxt.para != u.para))
                     or ((u.machine or u.light) and nxt is None)):
            prev["parts"].append(u.text)
        elif nxt is not None:
            pending.append(u.text)
            if prev:
                prev["open"] = False
        elif prev:
            prev["parts"].append(u.text)
    if pending and groups:
        groups[-1]["parts"].extend(pending)
    if len(groups) > MAX_ASKS:  # the tail folds into the last ask kept
        tail = [p for g in groups[MAX_ASKS - 1:] for p in g["parts"]]
        groups = groups[: MAX_ASKS - 1] + [{**groups[MAX_ASKS - 1], "parts": tail}]
    return [Ask(text=_join(g["parts"]), kind=g["kind"], index=i) for i, g in enumerate(groups)]


def _join(parts) -> str:
    return " ".join(p.strip() for p in parts if p.strip())


# ---------------------------------------------------------------------------------------------
# Entities.

# Words before a code that make it an error code ("fails with E1234", "error ORA-00942").
_ERROR_WORDS = re.compile(r"\b(?:error|code|exception|fault|fail\w*|crash\w*|message|returns?|returned|shows?|showing"
                          r"|gives?|getting|got|status|fehler\w*|meldung|código|falla|erreur|échoue)\b", _I)
_ENTITY_PATTERNS: list[tuple[EntityKind, re.Pattern[str]]] = [
    ("error_code", re.compile(r"\bHTTP[ /-]?[1-5]\d\d\b|\b0x[0-9A-Fa-f]{4,16}\b|(?<![\w.])[A-Z]{1,5}\d{3,6}[A-Z]?\b(?!\.\w)")),
    ("error_code", re.compile(r"\b(?:[a-z_]\w*\.){0,6}[A-Z]\w{0,60}(?:Exception|Error)\b")),
    # The longer form first: "CVE-2017-1234" is one id, not "CVE-2017" and a stray number.
    ("identifier", re.compile(r"(?<![\w#])#\d{3,12}\b|\b[A-Z]{2,6}-[A-Z]{0,3}\d[\dA-Z-]{2,15}\b|\b[A-Z]{2,6}-\d{2,12}\b")),
    ("identifier", re.compile(
        r"\b(?:order|invoice|ticket|case|ref(?:erence)?|account|booking|bestellung|rechnung|auftrag|kundennummer"
        r"|pedido|factura|cuenta|commande|facture|dossier)[ \t]*(?:no\.?|number|nr\.?|n[º°o]\.?|num(?:ber|éro)?\.?"
        r"|id|#)?[ \t]*:?[ \t]*(\d[\dA-Z-]{3,20})\b", _I)),
    ("version", re.compile(r"\b[vV]\d{1,4}(?:\.\d{1,5}){0,3}\b|\b\d{1,4}(?:\.\d{1,5}){2,3}\b")),
    ("version", re.compile(r"\b(?:version|versión|release|build)[ \t]+\d{1,5}(?:\.\d{1,5}){0,3}\b", _I)),
]
_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{2,4}$")
_PRODUCT_TOKEN = re.compile(r"^(?:[A-Z][\w+#&.-]{0,40}|[a-z]{1,10}[A-Z][\w+#.-]{0,40})$")
_CAMEL = re.compile(r"^(?:[A-Z][a-z0-9]+[A-Z][\w]*|[a-z]{1,10}[A-Z][\w]*)$")
_NOT_PRODUCT = _set("""
    I I'm I've I'd The A An This That It We You He She They My Our Your Hi Hello Dear Thanks Please Also But And
    Or If When After Before Since Then Now Yesterday Today Tomorrow Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday January February March April May June July August September October November December
    Version Release Build Error Ich Wir Sie Der Die Das El La Los Las Le Les Je Nous Vous
""")


def _entities(text: str, source: Literal["core", "subject"] = "core") -> list[Entity]:
    found: list[Entity] = []
    starts: list[int] = []  # spans taken, sorted and disjoint: overlap checks by bisection keep this linear
    ends: list[int] = []

    def add(kind: EntityKind, start: int, end: int) -> bool:
        i = bisect.bisect_right(starts, start)
        if (i and ends[i - 1] > start) or (i < len(starts) and starts[i] < end):
            return False
        starts.insert(i, start)
        ends.insert(i, end)
        found.append(Entity(kind=kind, text=text[start:end], start=start, source=source))
        return True

    for kind, pattern in _ENTITY_PATTERNS:
        for m in pattern.finditer(text):
            start, end = (m.start(1), m.end(1)) if m.groups() and m.group(1) else (m.start(), m.end())
            span = text[start:end]
            if kind == "version" and _DATE.match(span):
                continue
            if kind == "error_code" and span[:1].isalpha() and not span.upper().startswith(("HTTP", "0X")) \
                    and sum(ch.isalpha() for ch in span) == 1 and not _ERROR_WORDS.search(text[max(0, start - 30): start]):
                continue  # "E1234" is a code after "error"; a lone letter and digits elsewhere is anything
            if kind == "identifier" and "-" in span and _ERROR_WORDS.search(text[max(0, start - 30): start]):
                kind_here: EntityKind = "error_code"  # "error ORA-00942"
            else:
                kind_here = kind
            add(kind_here, start, end)
    # A bare "9.1" is a version only right after a name ("IBM MQ 9.1"), not a price or a measure.
    for m in re.finditer(r"(?<![\w.$€£])\d{1,3}\.\d{1,3}(?![\w.%])", text):
        prev = text[max(0, m.start() - 40): m.start()]
        words = prev.split()
        if prev.endswith((" ", "\t")) and words and _PRODUCT_TOKEN.match(words[-1]) and words[-1] not in _NOT_PRODUCT:
            add("version", m.start(), m.end())
    # Products: capitalised words right before a version, or after "in"/"on" (several words or CamelCase).
    versions = [e for e in found if e.kind == "version"]
    for v in versions:
        _product_before(text, v.start, add)
    for m in re.finditer(r"\b(?:in|on|with|using|im|mit|en|con|dans|sur|avec)[ \t]+(?=[A-Za-z])", text, _I):
        _product_at(text, m.end(), add)
    found.sort(key=lambda e: (e.start, e.kind))
    return found


def _product_before(text: str, end: int, add) -> None:
    window = text[max(0, end - 80): end]
    toks = list(re.finditer(r"\S+", window))
    picked: list[re.Match] = []
    for t in reversed(toks):
        word = t.group(0)
        if word.lower() in ("version", "versión", "release", "v") and not picked:
            continue
        if word[-1:] in ",.;:!?)" or not _PRODUCT_TOKEN.match(word) or word in _NOT_PRODUCT or len(picked) == 4:
            break
        picked.insert(0, t)
    if not picked:
        return
    base = max(0, end - 80)
    start, stop = base + picked[0].start(), base + picked[-1].end()
    # A lone word at a sentence start ("Installed 7.5.0.2") is not a name.
    if len(picked) == 1 and not _CAMEL.match(picked[0].group(0)) and not picked[0].group(0).isupper():
        before = text[max(0, start - 2): start]
        if start == 0 or before.strip() in ("", ".", "!", "?") or before.endswith(("\n", ". ")):
            return
    add("product", start, stop)


def _product_at(text: str, start: int, add) -> None:
    toks = []
    for t in re.finditer(r"\S+", text[start: start + 80]):
        word = t.group(0).rstrip(",.;:!?)")
        if not _PRODUCT_TOKEN.match(word) or word in _NOT_PRODUCT or len(toks) == 4:
            break
        toks.append((t.start(), t.start() + len(word), word))
        if word != t.group(0):
            break
    if not toks:
        return
    if len(toks) == 1 and not _CAMEL.match(toks[0][2]):
        return
    add("product", start + toks[0][0], start + toks[-1][1])


# ---------------------------------------------------------------------------------------------
# Language.

_MIN_CONFIDENCE = 0.2  # below this the model has seen too little to choose (it spreads over all its languages)


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    # The model also knows 3-letter-only languages and "zxx" (no language); the contract is ISO 639-1.
    ident.set_languages([code for code in ident.labels if len(code) == 2])
    return ident


def detect_language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code or None when too short or unsure, confidence)."""
    if len(_words(text)) < 2:
        return None, 0.0
    lang, conf = _identifier().classify(text[:4000])
    conf = round(min(max(float(conf), 0.0), 1.0), 4)
    return (lang, conf) if conf >= _MIN_CONFIDENCE else (None, conf)


# ---------------------------------------------------------------------------------------------


def _tidy(lines: list[str]) -> str:
    """Lines joined, trailing spaces cut, runs of blank lines collapsed to one."""
    text = "\n".join(line.rstrip() for line in lines).strip()
    return re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", text)


def understand(subject: str, body: str) -> TicketParts:
    """The ticket's parts: what was quoted, who signed, what the customer asks, and about what."""
    subject = " ".join((subject or "").split())
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u200b", "")
    text, forwarded_subject = _unforwarded(text)
    if not subject:
        subject, text = split_title(text) if not forwarded_subject else (forwarded_subject, text)
    lines = text.split("\n")
    lines, quoted = _split_quoted(lines)
    lines, signature, name = _split_signature(lines)
    greeting, lines = _split_greeting(lines)
    title = _strip_reply_prefix(subject)
    core = _tidy(lines) or title
    units = _units(core)
    bare, kept, introduced = _without_asides(core, units)
    if kept:
        core, units = bare, kept
    elif title and units:  # the body is only courtesy: the subject is the ask
        core = title
        units = _units(core)
    name = name or introduced
    prose = "\n".join(u.text for u in units if not u.machine) or core
    language, confidence = detect_language(prose if core == title else f"{title}\n{prose}")
    entities = _entities(core)
    seen = {(e.kind, e.text) for e in entities}
    entities += [e for e in _entities(subject, "subject") if (e.kind, e.text) not in seen]
    return TicketParts(subject=subject, greeting=greeting, customer_name=name, quoted=_tidy(quoted),
                       signature=_tidy(signature), core=core, asks=_asks(units), entities=entities,
                       language=language, language_confidence=confidence)


# A sentence that only says who writes ("I'm John Doe.", "My name is Ana García (ana@…)", "This is Tom
# from Acme."): not an ask, and its name words would count as topics the help center never mentions.
_NAME_WORDS = r"[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*){0,3}"
_INTRODUCTION = re.compile(
    rf"^(?:(?i:hi|hello|hey|hallo|hola|bonjour)[,!]?\s+)?(?i:my\s+name\s+is|i\s+am|i'm|i’m|this\s+is)\s+"
    rf"(?P<name>{_NAME_WORDS})(?:\s*,?\s+(?i:from|at|with|of)\s+[^.!?()]{{1,60}})?\s*(?:\([^)]*\))?\s*[.!]?$")
# A sentence that is only courtesy, said to a person rather than asked of the help center ("Thanks in
# advance for your help!", "Hope you're well.", "P.S. love the product!"): its words are no topic.
_COURTESY = re.compile(
    r"^(?:p\.?\s?s\.?[:,]?\s*)?(?:(?:many |big )?(?:thanks|thank you|thx)(?: (?:so much|a lot|again|very much))?"
    r"(?: in advance)?(?: for (?:your|any|the|all (?:the|your)) (?:quick |fast )?(?:help|support|assistance|time"
    r"|patience|reply|answer|response))?|(?:i |we )?hope (?:you(?:'re| are|’re)|all is|everything is|this (?:email|message) "
    r"finds you) ?(?:doing )?(?:well|good|fine|great)?|have a (?:nice|great|good|lovely) (?:day|weekend|week|evening)"
    r"|(?:i'm |i am |we're |we are )?looking forward to (?:your (?:reply|answer|response)|hearing from you)"
    r"|(?:any )?help (?:would be|is) (?:much |greatly |really )?appreciated|(?:much|greatly) appreciated"
    r"|(?:i|we) (?:would |really )?appreciate (?:it|your help|any help)|sorry (?:to bother you|for the trouble)"
    r"|(?:i |we )?(?:love|like) (?:the|your) (?:product|app|service|tool)|keep up the (?:good|great) work)"
    r"(?:,? (?:thanks|thank you|again|so much|a lot))*\s*[.!]*\s*$", _I)
# A lead-in that only announces the ask or asks ("Quick question: how do I …", "two quick things. how …").
_ANNOUNCE = re.compile(r"^(?:(?:(?:a |one |another |one more |just a )?(?:quick |short |simple )?(?:question|query)"
                       r"|quick one)\s*[:\-–—]"
                       r"|(?:(?:i|we) (?:have|'ve got|got) |just |got )?(?:two|three|2|3|a few|a couple(?: of)?|couple of)"
                       r" (?:quick |short |small |simple )?(?:questions|queries|things|issues|points)(?: for you)?"
                       r"\s*[:\-–—.])\s*", _I)


def _courtesy(text: str) -> bool:
    return bool(_COURTESY.match(text)) or bool((m := _CLOSING.match(text)) and not text[m.end():].strip(" .!"))


def _without_asides(core: str, units: list[_Unit]) -> tuple[str, list[_Unit], str | None]:
    """(core, units, the name introduced): sentences that only introduce the writer, are only
    courtesy or only announce the asks ("Two quick things.") taken out (kept when the ticket is
    nothing else), and lead-ins that only announce an ask cut from it."""
    name, kept, rest = None, [], core
    for u in units:
        announce = None if u.machine else _ANNOUNCE.match(u.text)
        if announce and len(u.text) > announce.end():
            cut = u.text[announce.end():]
            rest = rest.replace(u.text, cut, 1)
            u, announce = _Unit(cut[:1].upper() + cut[1:], u.para, False), None
        intro = None if u.machine else _INTRODUCTION.match(u.text)
        if intro is None and not announce and (u.machine or not _courtesy(u.text)):
            kept.append(u)
            continue
        name = name or (intro.group("name") if intro else None)
        rest = rest.replace(u.text, "", 1)
    return (_tidy(rest.split("\n")) if kept else core), kept, name


TITLE_MAX_WORDS = 20


def split_title(text: str) -> tuple[str, str]:
    """(title, rest) of a ticket pasted with its subject as its first line: one short line, a blank
    line, then the message (forum posts, help-desk exports, "subject\n\nbody" batch lines). A title
    sums up the message rather than adding an ask of its own, so it is read like a subject: as
    context for every ask, not as a first ask that retrieval and drafting answer on its own.
    ("", text) when the first line is a greeting, a sentence ending in "." or ",", or stands alone."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or first + 1 >= len(lines) or lines[first + 1].strip():
        return "", text
    line = lines[first].strip()
    rest = "\n".join(lines[first + 2:]).strip()
    if (not rest or len(line.split()) > TITLE_MAX_WORDS or line.endswith((".", ",", ";", ":", "…"))
            or _GREETING.match(line) or _closing(line)[0] or _LIST_ITEM.match(line) or line.startswith(">")
            or _is_machine(lines[first]) or _header_at(lines, first)):
        return "", text
    return line, rest


_REPLY_PREFIX = re.compile(r"^(?:(?:re|fw|fwd|aw|wg|rv|tr|réf)\s*(?:\[\d+\])?\s*:\s*){1,5}", _I)


def _strip_reply_prefix(subject: str) -> str:
    return _REPLY_PREFIX.sub("", subject).strip()


def ask_queries(parts: TicketParts, max_subject_words: int = 12) -> list[str]:
    """One retrieval query per ask: the ask's text, after the subject when the subject is a short title
    the ask does not already repeat ("Re:"/"Fwd:" prefixes dropped)."""
    subject = _strip_reply_prefix(parts.subject)
    words = _words(subject)
    # A subject that joins the asks' topics ("2fa + adding a team member") gives each ask its own piece.
    pieces = [p for p in _SUBJECT_JOIN.split(subject) if p.strip()] if len(parts.asks) > 1 else []
    out: list[str] = []
    for ask in parts.asks:
        text = ask.text
        ask_words = set(_words(text))
        mine = [p.strip() for p in pieces if (set(_words(p)) - _LIGHT) & ask_words] if len(pieces) > 1 else []
        title = " ".join(mine) if mine else subject
        useful = title and len(words) <= max_subject_words and not set(_words(title)) <= ask_words
        out.append(f"{title}: {text}" if useful and text != subject else text)
    return out or ([subject] if subject else [])


_SUBJECT_JOIN = re.compile(r"\s*(?:[+&/;,]|\band\b|\bund\b|\by\b|\bet\b)\s*", re.IGNORECASE)
