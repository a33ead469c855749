"""RFC 3834 auto-replies and out-of-office notices, with the return date when stated."""

from __future__ import annotations

import re
from datetime import date
from email.message import Message

from bounce_parser import mime
from bounce_parser.rules.detection import REPLY_SUBJECT, SUBJECT_TAGS

_SUBJECT = re.compile(
    r"out ?of ?(?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response|respond)|"
    r"^" + SUBJECT_TAGS + r"auto:|réponse automatique|reponse automatique|"
    r"away from (?:the )?office|ausser haus|außer haus|risposta automatica|"
    r"respuesta automática|fuera de la oficina|autosvar|automaattinen|"
    r"automatische antwort|automatisch antwoord|resposta automática|"  # Outlook's, localized
    # Outlook's "Automatic reply:" in its other languages (Polish, Czech, Slovak, Russian,
    # Ukrainian, Swedish, Danish and Norwegian, Hungarian, Turkish, Greek, Romanian, Japanese,
    # Chinese, Korean, Hebrew, Arabic)
    r"odpowied[źz] automatyczna|automatyczna odpowied[źz]|automatick[áa] odpov[ěe]ď|"
    r"автоматический ответ|автоответ|автоматична відповідь|automatiskt svar|automatisk svar|"
    r"automatikus válasz|otomatik yan[ıi]t|αυτόματη απάντηση|r[ăa]spuns automat|"
    r"自動応答|自动回复|自動回覆|자동 회신|תשובה אוטומטית|رد تلقائي|"
    # the subjects responders give their own replies, as two other bounce handlers list them
    # (PHP-Bounce-Handler's autorespondlist): "Thank you for your email.", "I am away …";
    # these three at the subject's start, after any gateway's tag
    r"^" + SUBJECT_TAGS + r"(?:thank you for your (?:e-?mail|message)\b|"
    r"(?:i am|i'm|i’m)\b.{0,20}\baway\b)",
    re.IGNORECASE,
)
# Words a responder's subject has, and a person's own subject too ("Re: Facture 7 - absence de
# bon de commande": the lack of a purchase order; "paiement après les congés"): read only in a
# subject that is no person's answer (``rules.detection.REPLY_SUBJECT`` on a message that
# answers another)
_SUBJECT_WORDS = re.compile(
    r"absence|abwesenheit|vacation|on leave|congés|congé|"
    # the Dutch and Polish words for "absent"
    r"\bafwezig\b|nieobecno[śs][ćc]|"
    # an acknowledgement of receipt an accounts-payable or ticket system sends back (a read
    # receipt, RFC 8098, is a report of its own and read before this)
    r"accus[ée] de r[ée]ception|acknowledge?ment of receipt|receipt acknowledge?ment|"
    r"eingangsbest[äa]tigung|empfangsbest[äa]tigung|acuse de recibo",
    re.IGNORECASE,
)
_MONTHS = {
    "jan": 1,
    "janv": 1,
    "januar": 1,
    "january": 1,
    "janvier": 1,
    "feb": 2,
    "fév": 2,
    "fev": 2,
    "februar": 2,
    "february": 2,
    "février": 2,
    "fevrier": 2,
    "mar": 3,
    "mär": 3,
    "märz": 3,
    "march": 3,
    "mars": 3,
    "apr": 4,
    "avr": 4,
    "april": 4,
    "avril": 4,
    "may": 5,
    "mai": 5,
    "jun": 6,
    "juni": 6,
    "june": 6,
    "juin": 6,
    "jul": 7,
    "juli": 7,
    "july": 7,
    "juillet": 7,
    "aug": 8,
    "august": 8,
    "août": 8,
    "aout": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "septembre": 9,
    "oct": 10,
    "okt": 10,
    "october": 10,
    "oktober": 10,
    "octobre": 10,
    "nov": 11,
    "november": 11,
    "novembre": 11,
    "dec": 12,
    "dez": 12,
    "december": 12,
    "dezember": 12,
    "décembre": 12,
    "decembre": 12,
    # Spanish, Italian and Dutch (the ones not already above)
    "enero": 1,
    "gennaio": 1,
    "januari": 1,
    "febrero": 2,
    "febbraio": 2,
    "februari": 2,
    "marzo": 3,
    "maart": 3,
    "abril": 4,
    "aprile": 4,
    "mayo": 5,
    "maggio": 5,
    "mei": 5,
    "junio": 6,
    "giugno": 6,
    "julio": 7,
    "luglio": 7,
    "agosto": 8,
    "augustus": 8,
    "septiembre": 9,
    "settembre": 9,
    "octubre": 10,
    "ottobre": 10,
    "noviembre": 11,
    "diciembre": 12,
    "dicembre": 12,
}
_UNTIL = re.compile(
    r"(?:until|till|through|back (?:on|in the office on)|return(?:ing)?(?: on)?|"
    r"jusqu'au|jusqu’au|jusqu'à|de retour(?: le)?|retour prévu le|"
    r"bis(?: zum| einschließlich)?|zurück(?: am)?|ab dem|hasta el|fino al|tot(?: en met)?)\s+"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+|(?:lundi|mardi|mercredi|jeudi|vendredi|"
    r"samedi|dimanche)\s+|(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag),?\s+)?"
    r"(?P<when>\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}(?:st|nd|rd|th|er)?\.?\s+"
    r"(?:de\s+)?[A-Za-zéûä]+\.?\s+(?:de\s+)?\d{4}|[A-Za-z]+\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|"
    # the day and month alone ("jusqu'au 12/01", "until January 12", "bis 12.01."): the
    # year is the one that puts the date on or after the notice's own date
    r"\d{1,2}[./]\d{1,2}(?![./]?\d)(?!\s*(?:uhr|h\b|am\b|pm\b))|\d{1,2}(?:st|nd|rd|th|er)?\.?\s+(?:de\s+)?[A-Za-zéûä]+|"
    r"[A-Za-z]+\s+\d{1,2}(?:st|nd|rd|th)?(?!\d))",
    re.IGNORECASE,
)


def looks_like_autoreply(msg: Message, subject: str | None) -> bool:
    auto = (mime.header(msg, "Auto-Submitted") or "").lower()
    if auto and auto != "no":
        return True
    for name in ("X-Autoreply", "X-Autorespond", "X-Autogenerated", "X-Auto-Reply"):
        if msg.get(name) is not None:
            return True
    # a challenge-response system's request to confirm the message (TMDA marks its own)
    if (mime.header(msg, "X-Delivery-Agent") or "").upper().startswith("TMDA"):
        return True
    # "Precedence: auto_reply", and "junk", which vacation programs put on their replies
    # (RFC 3834 section 2 lets a responder mark its reply so; the field is RFC 2076's)
    precedence = (mime.header(msg, "Precedence") or "").strip().lower()
    if precedence in ("auto_reply", "junk"):
        return True
    if not subject:
        return False
    if _SUBJECT.search(subject):
        return True
    return bool(_SUBJECT_WORDS.search(subject)) and not a_persons_answer(msg, subject)


def a_persons_answer(msg: Message, subject: str | None) -> bool:
    """Whether ``msg`` answers another message (In-Reply-To or References, RFC 5322 3.6.4)
    under a reply's prefix (``rules.detection.REPLY_SUBJECT``): a person's answer, whatever
    words of a notice or a responder its subject holds."""
    answering = msg.get("In-Reply-To") is not None or msg.get("References") is not None
    return answering and REPLY_SUBJECT.match(subject or "") is not None


def _to_date(text: str, sent: date | None = None) -> date | None:
    text = " ".join(text.strip().rstrip(".").split())
    text = re.sub(r"(?i)\bde ", "", text)  # Spanish "12 de enero de 2027"
    try:
        if sent is not None:
            day_month = _day_month(text)
            if day_month is not None:
                day, month = day_month
                this_year = date(sent.year, month, day)
                return this_year if this_year >= sent else date(sent.year + 1, month, day)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        m = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{2,4})", text)
        if m:
            d, mo, y = (int(g) for g in m.groups())
            y = y + 2000 if y < 100 else y
            return date(y, mo, d)
        m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th|er)?\.?\s+([^\s.]+)\.?\s+(\d{4})", text)
        if m and m.group(2).lower() in _MONTHS:
            return date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
        m = re.fullmatch(r"([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", text)
        if m and m.group(1).lower() in _MONTHS:
            return date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
    except ValueError:
        return None
    return None


def _day_month(text: str) -> tuple[int, int] | None:
    """The day and month of a date written without its year, or None."""
    m = re.fullmatch(r"(\d{1,2})[./](\d{1,2})", text)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th|er)?\.?\s+([^\s.\d]+)", text)
    if m and m.group(2).lower() in _MONTHS:
        return int(m.group(1)), _MONTHS[m.group(2).lower()]
    m = re.fullmatch(r"([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?", text)
    if m and m.group(1).lower() in _MONTHS:
        return int(m.group(2)), _MONTHS[m.group(1).lower()]
    return None


def autoreply_until(body: str, sent: date | None = None) -> str | None:
    """The return date an out-of-office notice states, as ISO 8601, when it states one; a
    date without its year ("jusqu'au 12 janvier") is the first one on or after ``sent``, the
    day the notice was written (without it, such a date is not read)."""
    for m in _UNTIL.finditer(body or ""):
        found = _to_date(m.group("when"), sent)
        if found:
            return found.isoformat()
    return None


# An auto-reply saying the address is no longer read, its owner has left, or the address
# has changed: the words of that notice in English, French, German, Spanish and Italian.
# What it names to write to instead is for a person to confirm (an address change is never
# made from an auto-reply)
_NO_LONGER_READ = re.compile(
    r"(?:e-?mail )?address (?:has )?changed|new (?:e-?mail )?address is|"
    r"(?:has|have) a new (?:e-?mail )?address|please update your (?:records|address book)|"
    r"(?:a|avons|ont) chang[ée] d.adresse|adresse (?:e-?mail |mail )?a chang[ée]|"
    r"nouvelle adresse (?:e-?mail |mail |[ée]lectronique |de messagerie )?(?:est|:)|"
    r"d[ée]sormais (?:[àa] l.adresse|[àa] [\w.+-]+@)|"
    r"adresse hat sich ge[äa]ndert|neue (?:e-?mail-?)?adresse (?:lautet|ist)|"
    r"direcci[óo]n (?:de correo )?ha cambiado|nueva direcci[óo]n (?:de correo )?(?:es|:)|"
    r"indirizzo (?:e-?mail )?[èe] cambiato|nuovo indirizzo (?:e-?mail )?(?:[èe]|:)|"
    r"no longer (?:with|works? (?:for|at|here)|employed|in use|monitored|active|checked|read)|"
    r"(?:has|have) left (?:the |our )?(?:company|organi[sz]ation|firm|business)|"
    r"(?:mailbox|address|account|inbox) is no longer|no longer (?:monitor|check|use|read) this|"
    r"ne (?:fai[st]|faisons) plus partie|n.est plus (?:consult[ée]e?|utilis[ée]e?|active?|"
    r"valide|lue?|relev[ée]e?)|(?:a|ai) quitt[ée] (?:la soci[ée]t[ée]|l.entreprise|le groupe|"
    r"notre soci[ée]t[ée])|ne travaille plus|n.est plus en poste|"
    r"nicht mehr (?:im unternehmen|bei uns|f[üu]r|aktiv|erreichbar|genutzt|gelesen|abgerufen)|"
    r"(?:hat|habe) (?:das unternehmen|die firma) verlassen|"
    r"ya no (?:trabaja|forma parte|est[áa] en uso|se (?:usa|revisa|consulta))|"
    r"non (?:lavora|fa parte|[èe] pi[uù] (?:attiv|in uso|utilizzat|consultat))|"
    r"non (?:lavora|fa) pi[uù]",
    re.IGNORECASE,
)


def no_longer_read(body: str) -> bool:
    """Whether an auto-reply says its address is no longer read (``_NO_LONGER_READ``)."""
    return _NO_LONGER_READ.search(body or "") is not None


def moved_to(body: str, exclude: set[str]) -> tuple[str, ...]:
    """For an auto-reply that says its address is no longer read: the addresses it names to
    write to instead, without ``exclude`` (its own and ours); () when it says no such thing
    or names none."""
    if not no_longer_read(body):
        return ()
    found = dict.fromkeys(a.strip(".").lower() for a in mime.addresses_in(body))
    return tuple(a for a in found if a not in exclude)
