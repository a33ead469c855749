"""The paragraphs that gateways and senders write under every message they pass, notices
included: never the cause of a failure, so the wording rules do not read them, and a notice's
recipients and diagnostics are found without them. Data only; the reader is
``bounce_parser.parts.without_footers``. A paragraph that also carries an SMTP reply code, an
RFC 3463 status, an address or a word of a failure is the notice's own, and is always read.

Each pattern (lower-case) is matched on one paragraph, its lines joined, and has beside it the
products whose stamp or the convention whose text it is.
"""

from __future__ import annotations

FOOTERS: tuple[tuple[str, str], ...] = (
    (
        r"\b(?:scanned|checked|swept|tested)\b.{0,80}?(?:\bvirus|\bspam\b|\bmalware\b|"
        r"\bmalicious|dangerous content|anti-?virus\b|\bsecurity\b)",
        "the scanners' stamps: MailScanner's default signature ('This message has been scanned "
        "for viruses and dangerous content by MailScanner'), avast! and AVG ('checked for "
        "viruses'), Symantec Email Security.cloud ('This email has been scanned by …'), "
        "Proofpoint ('scanned … for spam and malicious content')",
    ),
    (
        r"\b(?:virus|spam|malware)[- ](?:scanned|checked)\b|\bvirus-?free\b|"
        r"believed to be clean|classified as clean|"
        r"(?:does|do|did) not contain (?:any )?(?:spam|malware|virus)|"
        r"no virus(?:es)? (?:was |were |has been )?(?:found|detected)|"
        r"\bauf (?:viren|spam)\b.{0,40}\b(?:gepr[üu]ft|untersucht)|"
        r"(?:v[ée]rifi[ée]|analys[ée]|contr[ôo]l[ée])e?s? par (?:un |l.)?anti-?(?:virus|spam)",
        "the same stamps' other forms: 'Virus-scanned by', 'This e-mail is virus-free' (avast!), "
        "'No virus found in this message' (AVG), 'and is believed to be clean' (MailScanner), "
        "and in German ('auf Viren geprüft') and French ('vérifié par un antivirus')",
    ),
    (
        r"\b(?:protected|powered) by\b.{0,40}\b(?:spam firewall|e-?mail security|"
        r"anti-?spam|anti-?virus|spam filter)",
        "gateways' own advertisement lines ('Protected by Barracuda Spam Firewall', 'Powered by "
        "Mimecast Email Security')",
    ),
    (
        r"\bif you (?:are not|have received)\b.{0,60}\b(?:intended recipient|in error)|"
        r"\b(?:unauthori[sz]ed|any) (?:review|use|disclosure|copying|dissemination|distribution)"
        r"\b.{0,120}\bprohibited|\bprivacy (?:policy|notice)\b|"
        r"\bconfidential(?:ity)? (?:notice|disclaimer)\b",
        "the legal disclaimers a company's gateway appends to what it sends ('If you are not "
        "the intended recipient …', 'Any unauthorized review, use, disclosure or distribution "
        "is prohibited', a privacy policy's link)",
    ),
)
